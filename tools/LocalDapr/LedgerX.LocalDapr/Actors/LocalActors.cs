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

/// <summary>How to run the actor runtime of one sidecar.</summary>
public sealed record LocalActorsOptions
{
    public required string AppId { get; init; }

    /// <summary>The sidecar's channel to its app; it adds <c>dapr-api-token</c> from APP_API_TOKEN (spec §1).</summary>
    public required AppChannel AppChannel { get; init; }

    /// <summary>The component marked <c>actorStateStore: "true"</c>; null means state and reminders fail as in daprd.</summary>
    public IStateStore? StateStore { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public ILogger? Logger { get; init; }

    /// <summary>How long <see cref="LocalActors.StartAsync"/> keeps asking the app for <c>/dapr/config</c> while it is not listening.</summary>
    public TimeSpan AppReadyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest app answer buffered for one actor call (daprd's default max body size is 4 MiB).</summary>
    public long MaxResponseBytes { get; init; } = 16L << 20;
}

/// <summary>
/// The actor runtime of the local sidecar, for the actor types the sidecar's own app registers (one host per type,
/// no placement service): discovery through <c>GET /dapr/config</c>, turn-based calls with reentrancy, actor state in
/// the actor state store, timers, reminders persisted in the actor state store, and idle deactivation.
/// Map its HTTP API with <see cref="ActorsHttpApi.MapActorsApi"/>.
/// </summary>
public sealed class LocalActors : IAsyncDisposable
{
    public const string ReentrancyHeader = "Dapr-Reentrancy-Id";

    /// <summary>Set by the SDK's actor runtime when the actor method threw; the body is the serialized exception.</summary>
    public const string ErrorResponseHeader = "X-DaprErrorResponseHeader";

    /// <summary>Retries of one reminder firing the app did not accept before the firing counts as done.</summary>
    private const int MaxReminderAttempts = 5;

    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "TE", "Trailer", "Expect",
        "Proxy-Connection", "Proxy-Authorization", "dapr-api-token", "Content-Type",
    };

    private static readonly HashSet<string> NotCopiedBack = new(StringComparer.OrdinalIgnoreCase)
    {
        "Transfer-Encoding", "Connection", "Keep-Alive", "Content-Length", "Server", "Date", "Content-Type",
    };

    private readonly LocalActorsOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Dictionary<(string Type, string Id), ActorActivation> _activations = [];
    private readonly object _activationsLock = new();
    private readonly Dictionary<string, Dictionary<(string, string), ActorReminder>> _reminders = new(StringComparer.Ordinal);
    private readonly object _remindersLock = new();
    private readonly SemaphoreSlim _reminderWrites = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();

    // Captured once: in-flight calls may still read it after DisposeAsync.
    private readonly CancellationToken _stop;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Task> _background = [];
    private IReadOnlyDictionary<string, ActorTypeSettings> _types = new Dictionary<string, ActorTypeSettings>();
    private int _disposed;

    public LocalActors(LocalActorsOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.AppId);
        _options = options;
        _time = options.TimeProvider;
        _logger = options.Logger ?? NullLogger.Instance;
        _stop = _stopping.Token;
    }

    /// <summary>The actor types the app registered, with their settings (empty until started).</summary>
    public IReadOnlyDictionary<string, ActorTypeSettings> Types => _types;

    /// <summary>Completes when discovery finished and persisted reminders are scheduled.</summary>
    public Task Started => _started.Task;

    /// <summary>How many actors are active now (test and metadata hook).</summary>
    public int ActiveActorCount(string actorType)
    {
        lock (_activationsLock)
        {
            return _activations.Keys.Count(k => k.Type == actorType);
        }
    }

    /// <summary>
    /// The actor runtime as daprd's metadata API reports it (actors.RuntimeStatus): DISABLED without an actor state
    /// store, INITIALIZING until the app's <c>/dapr/config</c> was read, then RUNNING with the active actors per hosted
    /// type. Placement is in-process here, so a running runtime is always "connected".
    /// </summary>
    public Hosting.ActorRuntimeView RuntimeView()
    {
        if (_options.StateStore is null)
        {
            return new Hosting.ActorRuntimeView("DISABLED", false, "placement: disconnected", []);
        }

        if (!_started.Task.IsCompletedSuccessfully)
        {
            return new Hosting.ActorRuntimeView("INITIALIZING", false, "", []);
        }

        lock (_activationsLock)
        {
            var active = _types.Keys.Order(StringComparer.Ordinal).Select(t => (t, _activations.Keys.Count(k => k.Type == t))).ToList();
            return new Hosting.ActorRuntimeView("RUNNING", true, "placement: connected", active);
        }
    }

    /// <summary>
    /// Asks the app for <c>/dapr/config</c> (waiting up to <see cref="LocalActorsOptions.AppReadyTimeout"/> for it to
    /// listen; 404 = no actors), restores the reminders of the registered types and starts the idle scan.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            _types = await DiscoverAsync(cancellationToken);
            foreach (string type in _types.Keys)
            {
                await RestoreRemindersAsync(type, cancellationToken);
            }

            if (_types.Count > 0)
            {
                Track(ScanLoopAsync());
            }

            _started.TrySetResult();
            _logger.LogInformation("actors of {AppId}: {Types}", _options.AppId, string.Join(", ", _types.Keys));
        }
        catch (Exception ex)
        {
            _started.TrySetException(ex);
            throw;
        }
    }

    // ---------------------------------------------------------------- invocation

    /// <summary><c>PUT /v1.0/actors/{type}/{id}/method/{method}</c>: forwarded to the app in the actor's turn.</summary>
    public async Task<ActorCallResult> InvokeMethodAsync(
        string actorType,
        string actorId,
        string method,
        byte[] body,
        string? contentType,
        IEnumerable<KeyValuePair<string, string[]>> headers,
        CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        if (!_types.TryGetValue(actorType, out var settings))
        {
            // daprd: placement has no host for the type.
            throw new DaprApiException(StatusCode.Internal, 500, "ERR_ACTOR_INVOKE_METHOD", $"error invoke actor method: did not find address for actor {actorType}/{actorId}");
        }

        string? reentrancyId = headers.FirstOrDefault(h => string.Equals(h.Key, ReentrancyHeader, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();
        ActorCallResult result;
        try
        {
            result = await CallInTurnAsync(settings, actorId, $"method/{Uri.EscapeDataString(method)}", body, contentType, headers, reentrancyId, null, cancellationToken);
        }
        catch (ActorStackDepthException ex)
        {
            throw new DaprApiException(StatusCode.Internal, 500, "ERR_ACTOR_INVOKE_METHOD", $"error invoke actor method: {ex.Message}");
        }
        catch (HttpRequestException ex)
        {
            throw new DaprApiException(StatusCode.Internal, 500, "ERR_ACTOR_INVOKE_METHOD", $"error invoke actor method: {ex.Message}");
        }

        // As daprd (RT actors app transport): an answer carrying the actor error header goes back as it is, so the SDK
        // rethrows the actor's exception; any other non-200 answer becomes ERR_ACTOR_INVOKE_METHOD.
        bool actorError = result.Headers.Any(h => string.Equals(h.Key, ErrorResponseHeader, StringComparison.OrdinalIgnoreCase));
        if (!actorError && result.StatusCode != 200)
        {
            string detail = Encoding.UTF8.GetString(result.Body.AsSpan(0, Math.Min(result.Body.Length, 1024)));
            throw new DaprApiException(StatusCode.Internal, 500, "ERR_ACTOR_INVOKE_METHOD", $"error invoke actor method: error from actor service: ({result.StatusCode}) {detail}");
        }

        return result;
    }

    // ---------------------------------------------------------------- state

    public async Task<StateEntry?> GetStateAsync(string actorType, string actorId, string key, CancellationToken cancellationToken)
    {
        await HostedAsync(actorType, cancellationToken);
        var store = Store("ERR_ACTOR_STATE_GET");
        try
        {
            return await store.GetAsync(StateKey(actorType, actorId, key), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new DaprApiException(StatusCode.Internal, 500, "ERR_ACTOR_STATE_GET", $"error getting actor state: {ex.Message}");
        }
    }

    public async Task SaveStateAsync(string actorType, string actorId, IReadOnlyList<ActorStateOperation> operations, CancellationToken cancellationToken)
    {
        await HostedAsync(actorType, cancellationToken);
        var store = Store("ERR_ACTOR_STATE_TRANSACTION_SAVE");
        if (operations.Count > StateService.MaxItemsPerRequest)
        {
            throw DaprApiException.Malformed($"more than {StateService.MaxItemsPerRequest} operations in one request");
        }

        var ops = new List<StateOperation>(operations.Count);
        foreach (var op in operations)
        {
            if (string.IsNullOrEmpty(op.Key))
            {
                throw DaprApiException.Malformed("actor state operation without a key");
            }

            string key = StateKey(actorType, actorId, op.Key);
            ops.Add(op.Operation switch
            {
                "upsert" => new StateOperation(key, new StateWrite(key, op.Value ?? [], null, op.Ttl), null),
                "delete" => new StateOperation(key, null, null),
                _ => throw new DaprApiException(StatusCode.InvalidArgument, 400, "ERR_ACTOR_STATE_TRANSACTION_SAVE", $"operation type {op.Operation} not supported"),
            });
        }

        try
        {
            await store.ExecuteAsync(ops, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new DaprApiException(StatusCode.Internal, 500, "ERR_ACTOR_STATE_TRANSACTION_SAVE", $"error saving actor transaction state: {ex.Message}");
        }
    }

    // ---------------------------------------------------------------- timers

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

    // ---------------------------------------------------------------- reminders

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

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _started.TrySetException(new ObjectDisposedException(nameof(LocalActors)));
        _ = _started.Task.Exception;
        await _stopping.CancelAsync();
        Task[] running;
        lock (_background)
        {
            running = [.. _background];
        }

        try
        {
            await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            // Stopping: timers, reminders and the scan end with the sidecar; reminders resume from the store.
        }

        // _stopping and _reminderWrites stay undisposed on purpose: requests still draining may touch them, and
        // neither holds an OS handle here.
    }

    // ---------------------------------------------------------------- internals

    private static string ReminderIndexKey(string actorType) => $"actors||{actorType}";

    private static string ReminderTrackKey(string actorType, (string Id, string Name) key) => $"actors||{actorType}||{key.Id}||{key.Name}||track";

    private string StateKey(string actorType, string actorId, string key) => $"{_options.AppId}||{actorType}||{actorId}||{key}";

    private IStateStore Store(string errorCode) =>
        _options.StateStore ?? throw new DaprApiException(StatusCode.FailedPrecondition, 500, errorCode, "actors: state store does not exist or incorrectly configured (no component has actorStateStore: \"true\")");

    private async Task ReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _started.Task.WaitAsync(_options.AppReadyTimeout, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Discovery failed, timed out or the runtime stopped: every actor API answers as daprd without actors.
            throw new DaprApiException(StatusCode.Internal, 500, "ERR_ACTOR_RUNTIME_NOT_FOUND", $"actor runtime is not ready: {ex.Message}");
        }
    }

    private async Task<ActorTypeSettings> HostedAsync(string actorType, CancellationToken cancellationToken, string errorCode = "ERR_ACTOR_INSTANCE_MISSING")
    {
        await ReadyAsync(cancellationToken);
        return _types.TryGetValue(actorType, out var settings)
            ? settings
            : throw new DaprApiException(StatusCode.InvalidArgument, 400, errorCode, $"actor instance is missing: actor type {actorType} is not hosted by app {_options.AppId}");
    }

    private void Track(Task task)
    {
        lock (_background)
        {
            _background.RemoveAll(t => t.IsCompleted);
            _background.Add(task);
        }
    }

    private async Task<IReadOnlyDictionary<string, ActorTypeSettings>> DiscoverAsync(CancellationToken cancellationToken)
    {
        if (!_options.AppChannel.HasApp)
        {
            return new Dictionary<string, ActorTypeSettings>();
        }

        var deadline = _time.GetUtcNow() + _options.AppReadyTimeout;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop);
        while (true)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "dapr/config");
                using var response = await _options.AppChannel.SendAsync(request, linked.Token);
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    return new Dictionary<string, ActorTypeSettings>();
                }

                response.EnsureSuccessStatusCode();
                byte[] config;
                try
                {
                    config = await BoundedContent.ReadAsync(response.Content, ActorConfig.MaxConfigBytes, "/dapr/config", linked.Token);
                }
                catch (BoundedContent.TooLargeException ex)
                {
                    throw new FormatException(ex.Message);
                }

                return ActorConfig.Parse(System.Text.Encoding.UTF8.GetString(config));
            }
            catch (HttpRequestException ex) when (ex.StatusCode is null && _time.GetUtcNow() < deadline)
            {
                // Not listening yet, as daprd waits for the app port.
                await Task.Delay(TimeSpan.FromMilliseconds(100), _time, linked.Token);
            }
        }
    }

    /// <summary>Runs one call in the actor's turn (method, timer or reminder) and buffers the app's answer.</summary>
    private async Task<ActorCallResult> CallInTurnAsync(
        ActorTypeSettings settings,
        string actorId,
        string relativePath,
        byte[] body,
        string? contentType,
        IEnumerable<KeyValuePair<string, string[]>> headers,
        string? reentrancyId,
        ActorActivation? onlyIn,
        CancellationToken cancellationToken)
    {
        var activation = onlyIn is null ? await EnterActivationAsync(settings.ActorType, actorId, cancellationToken) : EnterExisting(onlyIn);
        if (activation is null)
        {
            return new ActorCallResult(410, [], null, []);
        }

        try
        {
            string turnId = settings.ReentrancyEnabled ? reentrancyId ?? Guid.NewGuid().ToString() : Guid.NewGuid().ToString();
            await activation.Gate.EnterAsync(turnId, settings.ReentrancyEnabled, settings.MaxStackDepth, cancellationToken);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Put, $"actors/{Uri.EscapeDataString(settings.ActorType)}/{Uri.EscapeDataString(actorId)}/{relativePath}")
                {
                    Content = new ByteArrayContent(body),
                };
                if (!string.IsNullOrEmpty(contentType))
                {
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                }

                foreach (var (name, values) in headers)
                {
                    if (!NotForwarded.Contains(name) && !string.Equals(name, ReentrancyHeader, StringComparison.OrdinalIgnoreCase))
                    {
                        request.Headers.TryAddWithoutValidation(name, values);
                    }
                }

                if (settings.ReentrancyEnabled)
                {
                    request.Headers.TryAddWithoutValidation(ReentrancyHeader, turnId);
                }
                else if (reentrancyId is not null)
                {
                    request.Headers.TryAddWithoutValidation(ReentrancyHeader, reentrancyId);
                }

                // Once the app runs the turn, only the sidecar stopping ends it (the AppChannel timeout bounds it): releasing
                // the turn because a caller gave up would let the next call overlap a method still running in the app.
                using var response = await _options.AppChannel.SendAsync(request, _stop);
                byte[] answer;
                try
                {
                    answer = await BoundedContent.ReadAsync(response.Content, _options.MaxResponseBytes, "the actor's answer", _stop);
                }
                catch (BoundedContent.TooLargeException ex)
                {
                    throw new HttpRequestException(ex.Message);
                }
                var copied = response.Headers.Concat(response.Content.Headers)
                    .Where(h => !NotCopiedBack.Contains(h.Key))
                    .Select(h => new KeyValuePair<string, string[]>(h.Key, [.. h.Value]))
                    .ToList();
                return new ActorCallResult((int)response.StatusCode, copied, response.Content.Headers.ContentType?.ToString(), answer);
            }
            finally
            {
                activation.Gate.Exit();
            }
        }
        finally
        {
            LeaveActivation(activation);
        }
    }

    private async Task<ActorActivation> EnterActivationAsync(string actorType, string actorId, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task deactivating;
            lock (_activationsLock)
            {
                if (!_activations.TryGetValue((actorType, actorId), out var activation))
                {
                    activation = new ActorActivation(actorType, actorId, _time.GetUtcNow());
                    _activations[(actorType, actorId)] = activation;
                }

                if (!activation.Deactivating)
                {
                    activation.Pending++;
                    activation.LastUsed = _time.GetUtcNow();
                    return activation;
                }

                deactivating = activation.Deactivated.Task;
            }

            // A new activation starts only once the app confirmed the old one's deactivation.
            await deactivating.WaitAsync(cancellationToken);
        }
    }

    private ActorActivation? EnterExisting(ActorActivation activation)
    {
        lock (_activationsLock)
        {
            if (activation.Deactivating || !_activations.TryGetValue((activation.ActorType, activation.ActorId), out var current) || current != activation)
            {
                return null;
            }

            activation.Pending++;
            activation.LastUsed = _time.GetUtcNow();
            return activation;
        }
    }

    private void LeaveActivation(ActorActivation activation)
    {
        lock (_activationsLock)
        {
            activation.Pending--;
            activation.LastUsed = _time.GetUtcNow();
        }
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
                // Not cancelled by a delete: the actor may unregister its own reminder inside the callback.
                var result = await CallInTurnAsync(settings, reminder.ActorId, $"method/remind/{Uri.EscapeDataString(reminder.Name)}", bytes, "application/json", [], null, null, _stop);
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

    private sealed class ActorActivation(string actorType, string actorId, DateTimeOffset now)
    {
        public string ActorType { get; } = actorType;

        public string ActorId { get; } = actorId;

        public ActorTurnGate Gate { get; } = new();

        public Dictionary<string, ActorTimer> Timers { get; } = new(StringComparer.Ordinal);

        /// <summary>Calls entered or waiting; guarded by the activations lock.</summary>
        public int Pending { get; set; }

        public DateTimeOffset LastUsed { get; set; } = now;

        public bool Deactivating { get; set; }

        public TaskCompletionSource Deactivated { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
