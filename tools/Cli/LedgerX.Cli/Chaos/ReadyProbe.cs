namespace LedgerX.Cli.Chaos;

/// <summary>An app's readiness probe (<c>/readyz</c>: its database and sidecar), polled until it answers 200.</summary>
internal static class ReadyProbe
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    public static async Task WaitAsync(Uri app, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = ProbeTimeout };
        while (!await IsReadyAsync(http, app, ct))
        {
            await Task.Delay(Interval, ct);
        }
    }

    public static async Task<bool> IsReadyAsync(HttpClient http, Uri app, CancellationToken ct)
    {
        try
        {
            using var ready = await http.GetAsync(new Uri(app, "readyz"), ct);
            return ready.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }
}
