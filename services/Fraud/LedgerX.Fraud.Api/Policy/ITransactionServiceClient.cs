using Refit;

namespace LedgerX.Fraud.Api.Policy;

/// <summary>
/// transaction-service, as fraud-service calls it: through Dapr service invocation (the HttpClient comes from
/// <c>DaprClient.CreateInvokeHttpClient("transaction-service")</c>). Both calls carry an Idempotency-Key derived from
/// the alert, so a retried action has exactly one effect in the ledger.
/// </summary>
public interface ITransactionServiceClient
{
    /// <summary>200 with the account; freezing a frozen account is a no-op that also answers 200.</summary>
    [Post("/api/v1/accounts/{accountId}/freeze")]
    Task<IApiResponse> FreezeAccountAsync(Guid accountId, [Body] FreezeAccountBody body, [Header("Idempotency-Key")] string idempotencyKey, CancellationToken ct = default);

    /// <summary>202: the reversal saga started.</summary>
    [Post("/api/v1/reversals")]
    Task<IApiResponse> StartReversalAsync([Body] StartReversalBody body, [Header("Idempotency-Key")] string idempotencyKey, CancellationToken ct = default);
}

public sealed record FreezeAccountBody(string Reason);

public sealed record StartReversalBody(Guid EntryId, string Reason);
