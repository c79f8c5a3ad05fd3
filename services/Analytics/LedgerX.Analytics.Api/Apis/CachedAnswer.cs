using Microsoft.AspNetCore.Http.HttpResults;

namespace LedgerX.Analytics.Api.Apis;

/// <summary>Says on the response whether it came from the cache, for operators and tests (X-Cache: hit | miss).</summary>
public static class CachedAnswer
{
    public const string Header = "X-Cache";

    public static Ok<T> Ok<T>(HttpContext http, (T Value, bool Hit) answer)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.Headers[Header] = answer.Hit ? "hit" : "miss";
        return TypedResults.Ok(answer.Value);
    }
}
