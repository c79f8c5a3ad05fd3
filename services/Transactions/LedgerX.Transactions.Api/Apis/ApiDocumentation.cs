namespace LedgerX.Transactions.Api.Apis;

/// <summary>The answers every ledger command can give besides its own, documented once (the OpenAPI document must say
/// what the service really does; tests/Transactions.IntegrationTests OpenApiDocumentIsTrue produces each one).</summary>
internal static class ApiDocumentation
{
    /// <summary>A command goes through <see cref="LedgerSubmission"/>: 400 for a bad field or Idempotency-Key header,
    /// 422 for a ledger rule or a key reused with another request, 503 when the ledger cannot apply it now.</summary>
    public static RouteHandlerBuilder ProducesLedgerCommandProblems(this RouteHandlerBuilder endpoint) => endpoint
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
}
