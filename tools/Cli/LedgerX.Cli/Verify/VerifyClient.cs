using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using LedgerX.Cli.Common;

namespace LedgerX.Cli.Verify;

/// <summary>Asks the ledger to verify itself. Every failure to get a well-formed report is "unreachable": the caller
/// then knows nothing about the ledger's state, which is different from a ledger that answered "inconsistent".</summary>
internal static class VerifyClient
{
    public const string Path = "api/v1/ledger/verify";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<VerifyOutcome> VerifyAsync(HttpClient http, Uri baseUrl, CancellationToken ct)
    {
        var url = ServiceUrls.Api(baseUrl, Path);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.GetAsync(url, ct);
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(ct);
                var hint = response.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden
                    ? " (verification needs a token granting ledger:verify: `ledgerx login` as staff, or set LEDGERX_TOKEN)"
                    : "";
                return new VerifyOutcome.Unreachable(url, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}{hint}: {Shorten(body)}");
            }
            var report = await response.Content.ReadFromJsonAsync<VerifyReport>(Json, ct);
            return report is null
                ? new VerifyOutcome.Unreachable(url, "the response body was empty")
                : new VerifyOutcome.Answered(report, Stopwatch.GetElapsedTime(started));
        }
        catch (HttpRequestException ex)
        {
            return new VerifyOutcome.Unreachable(url, ex.GetBaseException().Message);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return new VerifyOutcome.Unreachable(url, $"no answer within {http.Timeout.TotalSeconds:0} s");
        }
        catch (JsonException ex)
        {
            return new VerifyOutcome.Unreachable(url, $"the answer is not a verify report: {ex.Message}");
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
