using System.Net;
using Dapr.AppCallback.Autogen.Grpc.v1;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using LedgerX.LocalDapr.Hosting;

namespace LedgerX.LocalDapr.Bindings;

/// <summary>
/// Fires <c>bindings.cron</c> input bindings: first learns whether the app listens (daprd skips bindings the app does
/// not handle), then sends every tick (<c>POST /{name}</c>, or <c>OnBindingEvent</c> to a gRPC app).
/// </summary>
public sealed class CronTrigger : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly AppChannel _app;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private Task<IReadOnlyList<string>>? _grpcBindings;

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
            if (!await ListensAsync(binding.Name, stop))
            {
                _logger.LogInformation("app does not listen to input binding {Binding}", binding.Name);
                return;
            }

            var next = binding.Schedule.Next(_time.GetUtcNow());
            while (!stop.IsCancellationRequested)
            {
                var wait = next - _time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, stop);
                }

                await FireAsync(binding.Name, stop);

                next = binding.Schedule.Next(_time.GetUtcNow());
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        catch (Exception ex) when (ex is HttpRequestException or RpcException)
        {
            _logger.LogWarning(ex, "cron binding {Binding} disabled: the app could not be reached", binding.Name);
        }
    }

    /// <summary>
    /// Whether the app handles the binding: an HTTP app answers <c>OPTIONS /{name}</c> with anything but 404; a gRPC
    /// app lists it in <c>ListInputBindings</c>, asked once (an error counts as an empty list), as daprd's
    /// pkg/runtime/processor/binding/send.go <c>isAppSubscribedToBinding</c> decides.
    /// </summary>
    private async Task<bool> ListensAsync(string name, CancellationToken stop)
    {
        if (_app.Grpc is { } grpc)
        {
            _grpcBindings ??= ListInputBindingsAsync(grpc, stop);
            return (await _grpcBindings).Contains(name);
        }

        using var probe = new HttpRequestMessage(HttpMethod.Options, name);
        using var answer = await _app.SendAsync(probe, stop);
        return answer.StatusCode != HttpStatusCode.NotFound;
    }

    private static async Task<IReadOnlyList<string>> ListInputBindingsAsync(AppCallbackChannel grpc, CancellationToken stop)
    {
        try
        {
            return [.. (await grpc.ListInputBindingsAsync(stop)).Bindings];
        }
        catch (RpcException)
        {
            return [];
        }
    }

    /// <summary>One tick: <c>POST /{name}</c> with an empty JSON body, or <c>OnBindingEvent</c> with empty data for a gRPC app.</summary>
    private async Task FireAsync(string name, CancellationToken stop)
    {
        try
        {
            if (_app.Grpc is { } grpc)
            {
                await grpc.OnBindingEventAsync(new BindingEventRequest { Name = name }, [], stop);
                return;
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, name) { Content = new ByteArrayContent([]) };
            request.Content.Headers.ContentType = new("application/json");
            using var response = await _app.SendAsync(request, stop);
            if (!response.IsSuccessStatusCode)
            {
                _logger.LogWarning("app answered {Status} to cron binding {Binding}", (int)response.StatusCode, name);
            }
        }
        catch (HttpRequestException ex)
        {
            _logger.LogWarning(ex, "cron binding {Binding} could not reach the app", name);
        }
        catch (RpcException ex) when (!stop.IsCancellationRequested)
        {
            _logger.LogWarning("app answered {Status} to cron binding {Binding}: {Detail}", ex.StatusCode, name, ex.Status.Detail);
        }
    }
}
