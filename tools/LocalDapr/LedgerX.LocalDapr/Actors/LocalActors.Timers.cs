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

/// <summary>Timers: in memory, per activation, firing in the actor's turn until unregistered, their last repetition or TTL, or deactivation.</summary>
public sealed partial class LocalActors
{
    public async Task CreateTimerAsync(string actorType, string actorId, string name, ActorTimerRequest request, CancellationToken cancellationToken)
    {
        var settings = await HostedAsync(actorType, cancellationToken, "ERR_ACTOR_TIMER_CREATE");
        var schedule = ActorSchedule.Parse(request.DueTime, request.Period, request.Ttl, _time.GetUtcNow(), "ERR_ACTOR_TIMER_CREATE", "timer");
        var timer = new ActorTimer { Name = name, Request = request, Schedule = schedule, DueSpan = schedule.FirstFireAt - _time.GetUtcNow() };
        var activation = await ActivationForTimerAsync(actorType, actorId, cancellationToken);
        ActorTimer? replaced;
        lock (_activationsLock)
        {
            activation.Timers.Remove(name, out replaced);
            activation.Timers[name] = timer;
        }

        replaced?.Stop.Cancel();
        Track(RunTimerAsync(settings, activation, timer));
    }

    public async Task DeleteTimerAsync(string actorType, string actorId, string name, CancellationToken cancellationToken)
    {
        await HostedAsync(actorType, cancellationToken, "ERR_ACTOR_TIMER_DELETE");
        ActorTimer? removed = null;
        lock (_activationsLock)
        {
            if (_activations.TryGetValue((actorType, actorId), out var activation))
            {
                activation.Timers.Remove(name, out removed);
            }
        }

        removed?.Stop.Cancel();
    }

    private async Task<ActorActivation> ActivationForTimerAsync(string actorType, string actorId, CancellationToken cancellationToken)
    {
        var activation = await EnterActivationAsync(actorType, actorId, cancellationToken);
        LeaveActivation(activation);
        return activation;
    }

    private async Task RunTimerAsync(ActorTypeSettings settings, ActorActivation activation, ActorTimer timer)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Stop.Token, _stop);
        var token = linked.Token;
        var next = timer.Schedule.FirstFireAt;
        int? left = timer.Schedule.Repetitions;
        try
        {
            while (!token.IsCancellationRequested)
            {
                await DelayUntilAsync(next, token);
                if (timer.Schedule.ExpiresAt is { } expires && _time.GetUtcNow() >= expires)
                {
                    break;
                }

                var body = new JsonObject
                {
                    ["callback"] = timer.Request.Callback,
                    ["data"] = timer.Request.Data?.DeepClone(),
                    ["dueTime"] = ActorSchedule.ToDaprFormat(timer.DueSpan),
                    ["period"] = ActorSchedule.ToSdkPeriod(timer.Schedule.Period, timer.Schedule.Repetitions),
                };
                try
                {
                    var result = await CallInTurnAsync(settings, activation.ActorId, $"method/timer/{Uri.EscapeDataString(timer.Name)}", Encoding.UTF8.GetBytes(body.ToJsonString()), "application/json", [], null, activation, token);
                    if (result.StatusCode == 410)
                    {
                        break; // The activation is gone: its timers went with it.
                    }

                    if (result.StatusCode >= 400)
                    {
                        _logger.LogWarning("timer {Name} of {ActorType}/{ActorId} failed: HTTP {Status}", timer.Name, settings.ActorType, activation.ActorId, result.StatusCode);
                    }
                }
                catch (HttpRequestException ex)
                {
                    _logger.LogWarning(ex, "timer {Name} of {ActorType}/{ActorId} failed", timer.Name, settings.ActorType, activation.ActorId);
                }

                if (timer.Schedule.Period is not { } period || (left is not null && --left <= 0))
                {
                    break;
                }

                next += period;
            }
        }
        catch (OperationCanceledException)
        {
            // Deleted, replaced, deactivated or stopping.
        }
        finally
        {
            lock (_activationsLock)
            {
                if (activation.Timers.TryGetValue(timer.Name, out var current) && current == timer)
                {
                    activation.Timers.Remove(timer.Name);
                }
            }
        }
    }

    private async Task DelayUntilAsync(DateTimeOffset at, CancellationToken cancellationToken)
    {
        // Task.Delay accepts at most ~49 days; a reminder due in a year waits in steps.
        var maxStep = TimeSpan.FromDays(1);
        TimeSpan delay;
        while ((delay = at - _time.GetUtcNow()) > TimeSpan.Zero)
        {
            await Task.Delay(delay < maxStep ? delay : maxStep, _time, cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }
}
