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

/// <summary>The reminder store and firing: definitions and progress persisted in the actor state store (daprd's older layout), restored on start, fired in the actor's turn.</summary>
public sealed partial class LocalActors
{
    public async Task CreateReminderAsync(string actorType, string actorId, string name, ActorReminderRequest request, CancellationToken cancellationToken)
    {
        var settings = await HostedAsync(actorType, cancellationToken, "ERR_ACTOR_REMINDER_CREATE");
        var store = Store("ERR_ACTOR_REMINDER_CREATE");
        var now = _time.GetUtcNow();
        var schedule = ActorSchedule.Parse(request.DueTime, request.Period, request.Ttl, now, "ERR_ACTOR_REMINDER_CREATE", "reminder");
        var reminder = new ActorReminder
        {
            ActorType = actorType,
            ActorId = actorId,
            Name = name,
            Data = request.Data?.DeepClone(),
            DueTime = request.DueTime ?? "",
            Period = request.Period ?? "",
            Ttl = request.Ttl ?? "",
            RegisteredTime = now,
            Every = schedule.Period,
            DueSpan = schedule.FirstFireAt - now,
            Repetitions = schedule.Repetitions,
            ExpiresAt = schedule.ExpiresAt,
            NextFireAt = schedule.FirstFireAt,
            RepetitionsLeft = schedule.Repetitions,
        };

        await _reminderWrites.WaitAsync(cancellationToken);
        try
        {
            var all = RemindersOf(actorType);
            var next = all.Values.Where(r => r.Key != reminder.Key).Append(reminder).ToList();
            await WriteRemindersAsync(store, actorType, next, [reminder], [], "ERR_ACTOR_REMINDER_CREATE", cancellationToken);
            ActorReminder? replaced;
            lock (_remindersLock)
            {
                all.Remove(reminder.Key, out replaced);
                all[reminder.Key] = reminder;
            }

            replaced?.Stop.Cancel();
        }
        finally
        {
            _reminderWrites.Release();
        }

        Track(RunReminderAsync(settings, reminder));
    }

    /// <summary>The reminder as <c>GET …/reminders/{name}</c> returns it, or null.</summary>
    public async Task<JsonObject?> GetReminderAsync(string actorType, string actorId, string name, CancellationToken cancellationToken)
    {
        await HostedAsync(actorType, cancellationToken, "ERR_ACTOR_REMINDER_GET");
        lock (_remindersLock)
        {
            return RemindersOf(actorType).GetValueOrDefault((actorId, name))?.ToResponseJson();
        }
    }

    public async Task DeleteReminderAsync(string actorType, string actorId, string name, CancellationToken cancellationToken)
    {
        await HostedAsync(actorType, cancellationToken, "ERR_ACTOR_REMINDER_DELETE");
        var store = Store("ERR_ACTOR_REMINDER_DELETE");
        await _reminderWrites.WaitAsync(cancellationToken);
        try
        {
            await RemoveReminderAsync(store, actorType, (actorId, name), null, "ERR_ACTOR_REMINDER_DELETE", cancellationToken);
        }
        finally
        {
            _reminderWrites.Release();
        }
    }

    private static string ReminderIndexKey(string actorType) => $"actors||{actorType}";

    private static string ReminderTrackKey(string actorType, (string Id, string Name) key) => $"actors||{actorType}||{key.Id}||{key.Name}||track";

    private Dictionary<(string, string), ActorReminder> RemindersOf(string actorType)
    {
        lock (_remindersLock)
        {
            if (!_reminders.TryGetValue(actorType, out var map))
            {
                map = [];
                _reminders[actorType] = map;
            }

            return map;
        }
    }

    private async Task RestoreRemindersAsync(string actorType, CancellationToken cancellationToken)
    {
        if (_options.StateStore is not { } store)
        {
            return;
        }

        var index = await store.GetAsync(ReminderIndexKey(actorType), cancellationToken);
        if (index is null || JsonNode.Parse(index.Value) is not JsonArray list)
        {
            return;
        }

        var map = RemindersOf(actorType);
        foreach (var item in list.OfType<JsonObject>())
        {
            var probe = ActorReminder.FromJson(item, null);
            var track = await store.GetAsync(ReminderTrackKey(actorType, probe.Key), cancellationToken);
            var reminder = ActorReminder.FromJson(item, track is null ? null : JsonNode.Parse(track.Value) as JsonObject);
            lock (_remindersLock)
            {
                map[reminder.Key] = reminder;
            }

            Track(RunReminderAsync(_types[actorType], reminder));
        }

        _logger.LogInformation("restored {Count} reminders of actor type {ActorType}", list.Count, actorType);
    }

    /// <summary>Index (definitions) and tracks (progress) change in one transaction, so a restart never sees half.</summary>
    private async Task WriteRemindersAsync(IStateStore store, string actorType, IReadOnlyList<ActorReminder> all, IReadOnlyList<ActorReminder> upsertTracks, IReadOnlyList<(string, string)> deleteTracks, string errorCode, CancellationToken cancellationToken)
    {
        var ops = new List<StateOperation>();
        string indexKey = ReminderIndexKey(actorType);
        if (all.Count == 0)
        {
            ops.Add(new StateOperation(indexKey, null, null));
        }
        else
        {
            var array = new JsonArray([.. all.Select(r => (JsonNode)r.ToIndexJson())]);
            ops.Add(new StateOperation(indexKey, new StateWrite(indexKey, Encoding.UTF8.GetBytes(array.ToJsonString()), null, null), null));
        }

        foreach (var r in upsertTracks)
        {
            string key = ReminderTrackKey(actorType, r.Key);
            ops.Add(new StateOperation(key, new StateWrite(key, Encoding.UTF8.GetBytes(r.ToTrackJson().ToJsonString()), null, null), null));
        }

        foreach (var k in deleteTracks)
        {
            ops.Add(new StateOperation(ReminderTrackKey(actorType, k), null, null));
        }

        try
        {
            await store.ExecuteAsync(ops, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new DaprApiException(StatusCode.Internal, 500, errorCode, $"error storing reminders of {actorType}: {ex.Message}");
        }
    }

    /// <summary>Removes a reminder (only <paramref name="expected"/> when given, so a re-registration survives). Caller holds <see cref="_reminderWrites"/>.</summary>
    private async Task RemoveReminderAsync(IStateStore store, string actorType, (string, string) key, ActorReminder? expected, string errorCode, CancellationToken cancellationToken)
    {
        var all = RemindersOf(actorType);
        ActorReminder? current;
        lock (_remindersLock)
        {
            current = all.GetValueOrDefault(key);
        }

        if (current is null || (expected is not null && current != expected))
        {
            return;
        }

        List<ActorReminder> rest;
        lock (_remindersLock)
        {
            rest = [.. all.Values.Where(r => r.Key != key)];
        }

        await WriteRemindersAsync(store, actorType, rest, [], [key], errorCode, cancellationToken);
        lock (_remindersLock)
        {
            all.Remove(key);
        }

        if (expected is null)
        {
            current.Stop.Cancel();
        }
    }

    private async Task RunReminderAsync(ActorTypeSettings settings, ActorReminder reminder)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(reminder.Stop.Token, _stop);
        var token = linked.Token;
        try
        {
            while (true)
            {
                await DelayUntilAsync(reminder.NextFireAt, token);
                bool expired = reminder.ExpiresAt is { } expires && _time.GetUtcNow() >= expires;
                if (!expired)
                {
                    await FireReminderAsync(settings, reminder, token);
                }

                bool done = expired || reminder.Every is null || (reminder.RepetitionsLeft is { } left && left <= 1);
                var store = _options.StateStore!;
                await _reminderWrites.WaitAsync(_stop);
                try
                {
                    if (token.IsCancellationRequested)
                    {
                        return; // Deleted or replaced while firing: the new registration owns the entry.
                    }

                    if (done)
                    {
                        await RemoveReminderAsync(store, settings.ActorType, reminder.Key, reminder, "ERR_ACTOR_REMINDER_DELETE", _stop);
                        return;
                    }

                    reminder.RepetitionsLeft = reminder.RepetitionsLeft - 1;
                    var next = reminder.NextFireAt + reminder.Every!.Value;
                    var now = _time.GetUtcNow();
                    // After downtime, fire once for the missed period and continue from now (no burst of catch-up firings).
                    reminder.NextFireAt = next < now ? now : next;
                    string key = ReminderTrackKey(settings.ActorType, reminder.Key);
                    await store.SetAsync(new StateWrite(key, Encoding.UTF8.GetBytes(reminder.ToTrackJson().ToJsonString()), null, null), _stop);
                }
                finally
                {
                    _reminderWrites.Release();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Deleted, replaced or the sidecar is stopping (the store keeps it for the next start).
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "reminder {Name} of {ActorType}/{ActorId} stopped", reminder.Name, reminder.ActorType, reminder.ActorId);
        }
    }

    private async Task FireReminderAsync(ActorTypeSettings settings, ActorReminder reminder, CancellationToken token)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(reminder.ToFireJson().ToJsonString());
        for (int attempt = 1; ; attempt++)
        {
            string problem;
            try
            {
                // A delete cancels the wait for the actor's turn (a firing queued behind the very call that unregistered
                // the reminder must not run after it), never a callback already running: the actor may unregister its
                // own reminder inside the callback (CallInTurnAsync sends to the app under the sidecar's stop token only).
                var result = await CallInTurnAsync(settings, reminder.ActorId, $"method/remind/{Uri.EscapeDataString(reminder.Name)}", bytes, "application/json", [], null, null, token);
                if (result.StatusCode < 400)
                {
                    return;
                }

                problem = $"HTTP {result.StatusCode}";
            }
            catch (HttpRequestException ex)
            {
                problem = ex.Message;
            }

            if (attempt >= MaxReminderAttempts || token.IsCancellationRequested)
            {
                _logger.LogWarning("reminder {Name} of {ActorType}/{ActorId} failed {Attempts} times ({Problem}); moving on", reminder.Name, reminder.ActorType, reminder.ActorId, attempt, problem);
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250 * (1 << attempt)), _time, token);
        }
    }
}
