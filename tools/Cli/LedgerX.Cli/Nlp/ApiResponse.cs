using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LedgerX.Cli.Nlp;

/// <summary>An HTTP answer as the ask verb keeps it: status, body, and the headers it acts on.</summary>
internal sealed record ApiResponse(int Status, string Body, TimeSpan? RetryAfter, Uri? Location)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    public ApiProblem Problem => ApiProblem.Parse(Status, Body, RetryAfter);

    public static async Task<ApiResponse> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var retryAfter = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow,
            _ => (TimeSpan?)null,
        };
        return new ApiResponse((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct), retryAfter, response.Headers.Location);
    }
}

/// <summary>
/// An RFC 9457 problem (ADR 0010) as a person should read it: status, the stable <c>code</c>, what went wrong, the
/// fields at fault, and when to try again. A body that is no problem (a proxy's HTML page) still gives status and text.
/// </summary>
internal sealed record ApiProblem(int Status, string? Code, string? Title, string? Detail, IReadOnlyDictionary<string, string[]> Errors, TimeSpan? RetryAfter)
{
    /// <summary>How much of a body that is not a problem is shown.</summary>
    private const int MaxRawBody = 300;

    public static ApiProblem Parse(int status, string body, TimeSpan? retryAfter)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
                if (root.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object)
                {
                    foreach (var field in e.EnumerateObject())
                    {
                        errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                            ? [.. field.Value.EnumerateArray().Select(m => m.ToString())]
                            : [field.Value.ToString()];
                    }
                }
                return new ApiProblem(status, Text("code"), Text("title"), Text("detail"), errors, retryAfter);
            }
        }
        catch (JsonException)
        {
        }
        var raw = body.Trim();
        return new ApiProblem(status, null, null, raw.Length > MaxRawBody ? raw[..MaxRawBody] + "…" : raw.Length == 0 ? null : raw,
            new Dictionary<string, string[]>(), retryAfter);
    }

    /// <summary>One line, then one per field at fault: "429 too_many_questions: You have 3 unfinished questions (retry after 5 s)".</summary>
    public string Describe()
    {
        var text = new StringBuilder(Status.ToString(CultureInfo.InvariantCulture));
        if (Code is not null)
        {
            text.Append(' ').Append(Code);
        }
        if ((Detail ?? Title) is { Length: > 0 } what)
        {
            text.Append(": ").Append(what);
        }
        if (RetryAfter is { } wait)
        {
            text.Append(CultureInfo.InvariantCulture, $" (retry after {Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))} s)");
        }
        foreach (var (field, messages) in Errors)
        {
            text.Append('\n').Append("  ").Append(field).Append(": ").Append(string.Join("; ", messages));
        }
        return text.ToString();
    }
}
