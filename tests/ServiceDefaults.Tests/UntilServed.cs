using System.Diagnostics;
using System.Net;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>The outage tests' "served again": a request repeated until it answers 200, every other answer checked to be
/// the proper refusal, or a failure at the deadline.</summary>
internal static class UntilServed
{
    public static async Task AskAsync(Func<Task<HttpResponseMessage>> ask, Func<HttpResponseMessage, Task> checkRefusal,
        TimeSpan pause, TimeSpan deadline, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            using var probe = await ask();
            status = probe.StatusCode;
            if (status != HttpStatusCode.OK)
            {
                await checkRefusal(probe);
                await Task.Delay(pause, ct);
            }
        }
        while (status != HttpStatusCode.OK && clock.Elapsed < deadline);
        status.ShouldBe(HttpStatusCode.OK);
    }
}
