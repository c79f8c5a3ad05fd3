using System.Net;
using Microsoft.Extensions.Logging;
using LedgerX.LocalDapr.Hosting;

namespace LedgerX.LocalDapr.Bindings;

/// <summary>
/// Fires <c>bindings.cron</c> input bindings: first <c>OPTIONS /{name}</c> to learn whether the app listens
/// (daprd skips bindings the app answers 404 for), then <c>POST /{name}</c> on every tick.
/// </summary>
public sealed class CronTrigger : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly AppChannel _app;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public CronTrigger(IEnumerable<CronInputBinding> bindings, AppChannel app, TimeProvider time, ILogger logger)
    {
        _app = app;
        _time = time;
        _logger = logger;
        if (!app.HasApp)
        {
            return;
        }

        foreach (var binding in bindings)
        {
            _loops.Add(Task.Run(() => RunAsync(binding, _stop.Token), CancellationToken.None));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        _stop.Dispose();
    }

    private async Task RunAsync(CronInputBinding binding, CancellationToken stop)
    {
        try
        {
            using (var probe = new HttpRequestMessage(HttpMethod.Options, binding.Name))
            using (var answer = await _app.SendAsync(probe, stop))
            {
                if (answer.StatusCode == HttpStatusCode.NotFound)
                {
                    _logger.LogInformation("app does not listen to input binding {Binding}", binding.Name);
                    return;
                }
            }

            var next = binding.Schedule.Next(_time.GetUtcNow());
            while (!stop.IsCancellationRequested)
            {
                var wait = next - _time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, stop);
                }

                using var request = new HttpRequestMessage(HttpMethod.Post, binding.Name) { Content = new ByteArrayContent([]) };
                request.Content.Headers.ContentType = new("application/json");
                try
                {
                    using var response = await _app.SendAsync(request, stop);
                    if (!response.IsSuccessStatusCode)
                    {
                        _logger.LogWarning("app answered {Status} to cron binding {Binding}", (int)response.StatusCode, binding.Name);
                    }
                }
                catch (HttpRequestException ex)
                {
                    _logger.LogWarning(ex, "cron binding {Binding} could not reach the app", binding.Name);
                }

                next = binding.Schedule.Next(_time.GetUtcNow());
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        catch (HttpRequestException ex)
        {
            _logger.LogWarning(ex, "cron binding {Binding} disabled: the app could not be reached", binding.Name);
        }
    }
}
