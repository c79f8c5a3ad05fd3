using System.Text.Json.Nodes;

namespace LedgerX.LocalDapr.Actors;

/// <summary>What the app answered to an actor call, buffered: status, headers (<c>X-DaprErrorResponseHeader</c> included) and body.</summary>
public sealed record ActorCallResult(int StatusCode, IReadOnlyList<KeyValuePair<string, string[]>> Headers, string? ContentType, byte[] Body);

/// <summary>One operation of <c>PUT /v1.0/actors/{type}/{id}/state</c>: <c>upsert</c> (with optional TTL) or <c>delete</c>.</summary>
public sealed record ActorStateOperation(string Operation, string Key, byte[]? Value, TimeSpan? Ttl);

/// <summary>A reminder registration as the SDK sends it; <see cref="Data"/> is kept as the raw JSON value and echoed back.</summary>
public sealed record ActorReminderRequest(JsonNode? Data, string? DueTime, string? Period, string? Ttl);

/// <summary>A timer registration; <see cref="Callback"/> names the actor method the SDK dispatches to.</summary>
public sealed record ActorTimerRequest(JsonNode? Data, string? DueTime, string? Period, string? Ttl, string? Callback);

/// <summary>A stored reminder (index entry in the actor state store) plus its progress (the "track" entry).</summary>
internal sealed class ActorReminder
{
    public required string ActorType { get; init; }

    public required string ActorId { get; init; }

    public required string Name { get; init; }

    public JsonNode? Data { get; init; }

    public string DueTime { get; init; } = "";

    public string Period { get; init; } = "";

    public string Ttl { get; init; } = "";

    public DateTimeOffset RegisteredTime { get; init; }

    public TimeSpan? Every { get; init; }

    /// <summary>The parsed due time (relative to registration) and total repetitions: what the SDK gets back.</summary>
    public TimeSpan DueSpan { get; init; }

    public int? Repetitions { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Progress: when it fires next and how many firings are left (null = unbounded).</summary>
    public DateTimeOffset NextFireAt { get; set; }

    public int? RepetitionsLeft { get; set; }

    public CancellationTokenSource Stop { get; } = new();

    public (string, string) Key => (ActorId, Name);

    public JsonObject ToIndexJson() => new()
    {
        ["actorID"] = ActorId,
        ["actorType"] = ActorType,
        ["name"] = Name,
        ["data"] = Data?.DeepClone(),
        ["dueTime"] = DueTime,
        ["period"] = Period,
        ["ttl"] = Ttl,
        ["registeredTime"] = RegisteredTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["periodMs"] = Every?.TotalMilliseconds,
        ["dueMs"] = DueSpan.TotalMilliseconds,
        ["repetitions"] = Repetitions,
        ["expirationTime"] = ExpiresAt?.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
    };

    public JsonObject ToTrackJson() => new()
    {
        ["nextFireAt"] = NextFireAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["repetitionsLeft"] = RepetitionsLeft,
    };

    /// <summary>The body of <c>PUT …/method/remind/{name}</c>: the registered data, times in the form the SDK parses.</summary>
    public JsonObject ToFireJson() => new()
    {
        ["data"] = Data?.DeepClone(),
        ["dueTime"] = ActorSchedule.ToDaprFormat(DueSpan),
        ["period"] = ActorSchedule.ToSdkPeriod(Every, Repetitions),
    };

    /// <summary>What <c>GET …/reminders/{name}</c> answers (the SDK reads dueTime, period, data and ttl).</summary>
    public JsonObject ToResponseJson()
    {
        var o = ToFireJson();
        o["actorID"] = ActorId;
        o["actorType"] = ActorType;
        o["name"] = Name;
        if (ExpiresAt is { } expires)
        {
            o["ttl"] = ActorSchedule.ToDaprFormat(expires - (RegisteredTime + DueSpan));
        }

        return o;
    }

    public static ActorReminder FromJson(JsonObject index, JsonObject? track)
    {
        static string S(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue(out string? s) ? s : "";
        static DateTimeOffset? T(JsonObject? o, string name) =>
            o?[name] is JsonValue v && v.TryGetValue(out string? s) && DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t : null;

        var registered = T(index, "registeredTime") ?? DateTimeOffset.UnixEpoch;
        double? periodMs = index["periodMs"] is JsonValue p && p.TryGetValue(out double ms) ? ms : null;
        double dueMs = index["dueMs"] is JsonValue d && d.TryGetValue(out double dms) ? dms : 0;
        int? repetitions = index["repetitions"] is JsonValue n && n.TryGetValue(out int reps) ? reps : null;
        var reminder = new ActorReminder
        {
            ActorType = S(index, "actorType"),
            ActorId = S(index, "actorID"),
            Name = S(index, "name"),
            Data = index["data"]?.DeepClone(),
            DueTime = S(index, "dueTime"),
            Period = S(index, "period"),
            Ttl = S(index, "ttl"),
            RegisteredTime = registered,
            Every = periodMs is { } m ? TimeSpan.FromMilliseconds(m) : null,
            DueSpan = TimeSpan.FromMilliseconds(dueMs),
            Repetitions = repetitions,
            ExpiresAt = T(index, "expirationTime"),
        };

        // Without a track (a crash between the two writes cannot happen, they share a transaction, but be lenient)
        // recompute the first firing from the registration.
        if (T(track, "nextFireAt") is { } next)
        {
            reminder.NextFireAt = next;
            reminder.RepetitionsLeft = track!["repetitionsLeft"] is JsonValue r && r.TryGetValue(out int left) ? left : null;
        }
        else
        {
            var schedule = ActorSchedule.Parse(reminder.DueTime, reminder.Period, null, registered, "ERR_ACTOR_REMINDER_GET", "reminder");
            reminder.NextFireAt = schedule.FirstFireAt;
            reminder.RepetitionsLeft = schedule.Repetitions;
        }

        return reminder;
    }
}

/// <summary>An in-memory timer of one activation (daprd keeps timers only while the actor is active).</summary>
internal sealed class ActorTimer
{
    public required string Name { get; init; }

    public required ActorTimerRequest Request { get; init; }

    public required ActorSchedule Schedule { get; init; }

    public TimeSpan DueSpan { get; init; }

    public CancellationTokenSource Stop { get; } = new();
}
