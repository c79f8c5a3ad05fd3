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

    /// <summary>The sidecar's channel to its app; it adds <c>dapr-api-token</c> from APP_API_TOKEN, as daprd's pkg/channel/http/http_channel.go does.</summary>
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
/// Map its HTTP API with <see cref="ActorsHttpApi.MapActorsApi"/>. Split by seam: this file holds discovery,
/// actor state and the lifecycle; LocalActors.Activations/Invocation/Timers/Reminders/IdleScan.cs the rest.
/// </summary>
public sealed partial class LocalActors : IAsyncDisposable
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
        // A gRPC app registers actor types over daprd's SubscribeActorEventsAlpha1 stream, not /dapr/config
        // (pkg/channel/grpc GetAppConfig); that stream is not served here, so a gRPC app hosts no actors.
        if (!_options.AppChannel.HasApp || _options.AppChannel.Protocol == AppProtocol.Grpc)
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
                // daprd's HTTP channel (GetAppConfig) takes any answer but 200 as "no actors", 404 or not: an app that
                // refuses the route (the gateway's authentication answers 401) still gets a healthy sidecar.
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    return new Dictionary<string, ActorTypeSettings>();
                }

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
}
