using System.Collections.Concurrent;
using System.Text;
using Dapr.Actors;
using Dapr.Actors.Runtime;

namespace LedgerX.LocalDapr.Tests.Actors;

public interface IProbeActor : IActor
{
    Task<int> WorkAsync(int delayMs);

    Task<string> EchoAsync(string text);

    Task SaveAsync(string key, string value, int ttlSeconds);

    Task<string?> LoadAsync(string key);

    Task StartTimerAsync(string name, int dueMs, int periodMs);

    Task StopTimerAsync(string name);

    Task StartReminderAsync(string name, int dueMs, int periodMs, int repetitions);

    Task StopReminderAsync(string name);

    Task StartExpiringReminderAsync(string name, int periodMs, int ttlMs);

    Task<string?> DescribeReminderAsync(string name);

    Task<int> NestAsync(int depth);

    Task FailAsync(string message);
}

/// <summary>
/// A real Dapr.Actors actor that records what happens to it in <see cref="Probe"/>: turns entered and left, timer and
/// reminder callbacks, activations and deactivations. Tests use unique actor ids, so parallel tests never mix records.
/// </summary>
public sealed class ProbeActor(ActorHost host) : Actor(host), IProbeActor, IRemindable
{
    public async Task<int> WorkAsync(int delayMs)
    {
        Probe.EnterTurn(Id.GetId());
        try
        {
            await Task.Delay(delayMs);
            return Probe.Of(Id.GetId()).MaxInside;
        }
        finally
        {
            Probe.ExitTurn(Id.GetId());
        }
    }

    public Task<string> EchoAsync(string text) => Task.FromResult("echo:" + text);

    public async Task SaveAsync(string key, string value, int ttlSeconds)
    {
        if (ttlSeconds > 0)
        {
            await StateManager.SetStateAsync(key, value, TimeSpan.FromSeconds(ttlSeconds));
        }
        else
        {
            await StateManager.SetStateAsync(key, value);
        }

        await StateManager.SaveStateAsync();
    }

    public async Task<string?> LoadAsync(string key)
    {
        var value = await StateManager.TryGetStateAsync<string>(key);
        return value.HasValue ? value.Value : null;
    }

    public Task StartTimerAsync(string name, int dueMs, int periodMs) =>
        RegisterTimerAsync(name, nameof(OnTimerAsync), Encoding.UTF8.GetBytes(name), TimeSpan.FromMilliseconds(dueMs), TimeSpan.FromMilliseconds(periodMs));

    public Task OnTimerAsync(byte[] data)
    {
        Probe.Of(Id.GetId()).Record("timer:" + Encoding.UTF8.GetString(data));
        return Task.CompletedTask;
    }

    public Task StopTimerAsync(string name) => UnregisterTimerAsync(name);

    public Task StartReminderAsync(string name, int dueMs, int periodMs, int repetitions)
    {
        var data = Encoding.UTF8.GetBytes("payload-" + name);
        var period = periodMs > 0 ? TimeSpan.FromMilliseconds(periodMs) : Timeout.InfiniteTimeSpan;
        return repetitions > 0
            ? RegisterReminderAsync(name, data, TimeSpan.FromMilliseconds(dueMs), period, repetitions)
            : RegisterReminderAsync(name, data, TimeSpan.FromMilliseconds(dueMs), period);
    }

    public Task StopReminderAsync(string name) => UnregisterReminderAsync(name);

    public Task StartExpiringReminderAsync(string name, int periodMs, int ttlMs) =>
        RegisterReminderAsync(name, Encoding.UTF8.GetBytes("payload-" + name), TimeSpan.Zero, TimeSpan.FromMilliseconds(periodMs), TimeSpan.FromMilliseconds(ttlMs));

    public async Task<string?> DescribeReminderAsync(string name)
    {
        var reminder = await GetReminderAsync(name);
        return reminder is null ? null : $"{reminder.DueTime}|{reminder.Period}|{Encoding.UTF8.GetString(reminder.State)}";
    }

    public Task ReceiveReminderAsync(string reminderName, byte[] state, TimeSpan dueTime, TimeSpan period)
    {
        Probe.Of(Id.GetId()).Record($"reminder:{reminderName}:{Encoding.UTF8.GetString(state)}");
        return Task.CompletedTask;
    }

    public async Task<int> NestAsync(int depth)
    {
        Probe.EnterTurn(Id.GetId());
        try
        {
            if (depth <= 1)
            {
                return 1;
            }

            // Calls itself through the sidecar: without reentrancy this waits for its own turn forever.
            var self = ProxyFactory.CreateActorProxy<IProbeActor>(Id, Host.ActorTypeInfo.ActorTypeName);
            return 1 + await self.NestAsync(depth - 1);
        }
        finally
        {
            Probe.ExitTurn(Id.GetId());
        }
    }

    public Task FailAsync(string message) => throw new InvalidOperationException(message);

    protected override Task OnActivateAsync()
    {
        Probe.Of(Id.GetId()).Record("activate");
        return Task.CompletedTask;
    }

    protected override Task OnDeactivateAsync()
    {
        Probe.Of(Id.GetId()).Record("deactivate");
        return Task.CompletedTask;
    }
}

/// <summary>What one actor id saw, shared between the in-process app and the test.</summary>
public sealed class Probe
{
    private static readonly ConcurrentDictionary<string, Probe> All = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _events = new();
    private int _inside;
    private int _maxInside;

    /// <summary>Calls in progress across every actor of a group (ids sharing the prefix before '_').</summary>
    public static Probe GroupOf(string actorId) => Of("group:" + actorId.Split('_')[0]);

    public static Probe Of(string actorId) => All.GetOrAdd(actorId, _ => new Probe());

    public int MaxInside => Volatile.Read(ref _maxInside);

    public IReadOnlyList<string> Events => [.. _events];

    public int Count(string prefix) => _events.Count(e => e.StartsWith(prefix, StringComparison.Ordinal));

    public void Record(string what) => _events.Enqueue(what);

    /// <summary>A turn of <paramref name="actorId"/> starts: counted for the id and for its group.</summary>
    public static void EnterTurn(string actorId)
    {
        Of(actorId).Track(+1);
        GroupOf(actorId).Track(+1);
    }

    public static void ExitTurn(string actorId)
    {
        Of(actorId).Track(-1);
        GroupOf(actorId).Track(-1);
    }

    /// <summary>Waits until <paramref name="condition"/> holds, polling; false on timeout.</summary>
    public async Task<bool> WaitForAsync(Func<Probe, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition(this))
            {
                return true;
            }

            await Task.Delay(25);
        }

        return condition(this);
    }

    private void Track(int delta)
    {
        int now = Interlocked.Add(ref _inside, delta);
        int max;
        while (now > (max = Volatile.Read(ref _maxInside)) && Interlocked.CompareExchange(ref _maxInside, now, max) != max)
        {
        }

        Record(delta > 0 ? "enter" : "exit");
    }
}
