namespace LedgerX.Transactions.Api.Apis;

/// <summary>
/// A response body in the request's API version: handlers and renderers build v1's shape, and v2 maps it (money as
/// objects), so both versions share every handler, query and rule. The OpenAPI side of the same choice is
/// <see cref="ProducesIn"/>.
/// </summary>
internal static class Representation
{
    public static object Of(this ApiVersion version, AccountResponse a) => version.MoneyAsObject ? V2.AccountResponse.From(a) : a;

    public static object Of(this ApiVersion version, EntryResponse e) => version.MoneyAsObject ? V2.EntryResponse.From(e) : e;

    public static object Of(this ApiVersion version, HoldResponse h) => version.MoneyAsObject ? V2.HoldResponse.From(h) : h;

    public static object Of(this ApiVersion version, ReversalResponse r) => version.MoneyAsObject ? V2.ReversalResponse.From(r) : r;

    public static object Of(this ApiVersion version, Page<AccountResponse> page) =>
        version.MoneyAsObject ? new Page<V2.AccountResponse>([.. page.Items.Select(V2.AccountResponse.From)], page.NextCursor) : page;

    public static object Of(this ApiVersion version, Page<HistoryItem> page) =>
        version.MoneyAsObject ? new Page<V2.HistoryItem>([.. page.Items.Select(V2.HistoryItem.From)], page.NextCursor) : page;

    public static object Of(this ApiVersion version, Page<ReversalResponse> page) =>
        version.MoneyAsObject ? new Page<V2.ReversalResponse>([.. page.Items.Select(V2.ReversalResponse.From)], page.NextCursor) : page;

    /// <summary>200 with the body in the version's shape (its runtime type is what is written).</summary>
    public static IResult Ok(object body) => TypedResults.Ok(body);

    /// <summary>Documents <paramref name="status"/>'s body as <typeparamref name="TV1"/> in v1's document and
    /// <typeparamref name="TV2"/> in v2's.</summary>
    public static RouteHandlerBuilder ProducesIn<TV1, TV2>(this RouteHandlerBuilder endpoint, ApiVersion version, int status = StatusCodes.Status200OK) =>
        endpoint.Produces(status, version.MoneyAsObject ? typeof(TV2) : typeof(TV1));
}
