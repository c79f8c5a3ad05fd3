using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Grpc.Core;
using LedgerX.LocalDapr.Api;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LedgerX.LocalDapr.Actors;

/// <summary>The idle scanner: every actorScanInterval, actors idle longer than their type's actorIdleTimeout are deactivated (DELETE /actors/{type}/{id}).</summary>
public sealed partial class LocalActors
{
    private async Task ScanLoopAsync()
    {
        var interval = _types.Values.Min(t => t.ScanInterval);
        if (interval < TimeSpan.FromMilliseconds(10))
        {
            interval = TimeSpan.FromMilliseconds(10);
        }

        using var timer = new PeriodicTimer(interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop))
            {
                await DeactivateIdleAsync();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task DeactivateIdleAsync()
    {
        var now = _time.GetUtcNow();
        var idle = new List<ActorActivation>();
        lock (_activationsLock)
        {
            foreach (var activation in _activations.Values)
            {
                if (!activation.Deactivating
                    && activation.Pending == 0
                    && _types.TryGetValue(activation.ActorType, out var settings)
                    && now - activation.LastUsed >= settings.IdleTimeout
                    && activation.Gate.TryEnterIdle("deactivation"))
                {
                    activation.Deactivating = true;
                    idle.Add(activation);
                }
            }
        }

        foreach (var activation in idle)
        {
            List<ActorTimer> timers;
            lock (_activationsLock)
            {
                timers = [.. activation.Timers.Values];
                activation.Timers.Clear();
            }

            foreach (var timer in timers)
            {
                await timer.Stop.CancelAsync();
            }

            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Delete, $"actors/{Uri.EscapeDataString(activation.ActorType)}/{Uri.EscapeDataString(activation.ActorId)}");
                using var response = await _options.AppChannel.SendAsync(request, _stop);
                _logger.LogDebug("deactivated {ActorType}/{ActorId}: HTTP {Status}", activation.ActorType, activation.ActorId, (int)response.StatusCode);
            }
            catch (HttpRequestException ex)
            {
                _logger.LogWarning(ex, "deactivating {ActorType}/{ActorId} failed", activation.ActorType, activation.ActorId);
            }
            finally
            {
                lock (_activationsLock)
                {
                    _activations.Remove((activation.ActorType, activation.ActorId));
                }

                activation.Gate.Exit();
                activation.Deactivated.TrySetResult();
            }
        }
    }
}
