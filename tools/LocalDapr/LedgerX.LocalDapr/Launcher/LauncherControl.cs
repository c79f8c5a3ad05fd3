namespace LedgerX.LocalDapr.Launcher;

/// <summary>
/// The hooks a fault injector (<c>./ledgerx chaos</c>) holds on a running launcher: kill an app's process as SIGKILL
/// does, stop and start an app's sidecar, and read how often the supervisor restarted an app. Given to the launcher
/// in <see cref="LauncherOptions.Control"/>; usable once <see cref="Ready"/> completed (every app healthy).
/// </summary>
public sealed class LauncherControl
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IReadOnlyDictionary<string, SupervisedApp> _apps = new Dictionary<string, SupervisedApp>();

    /// <summary>Completes when every app answered its health check for the first time.</summary>
    public Task Ready => _ready.Task;

    public IReadOnlyCollection<string> AppIds => _apps.Keys.ToList();

    internal void Attach(IEnumerable<SupervisedApp> apps)
    {
        _apps = apps.ToDictionary(a => a.App.AppId, StringComparer.Ordinal);
        _ready.TrySetResult();
    }

    internal void Fail(Exception reason) => _ready.TrySetException(reason);

    /// <summary>The app's current process id (it changes with every restart), or null while it is down.</summary>
    public int? ProcessId(string appId) => App(appId).Process is { HasExited: false } p ? p.Id : null;

    /// <summary>How many times the supervisor started the app again since the run began.</summary>
    public int Restarts(string appId) => App(appId).Restarts;

    /// <summary>SIGKILL to the app's process tree. Under <see cref="RestartPolicy.Always"/> the supervisor restarts it.</summary>
    public void KillApp(string appId) => App(appId).Kill();

    /// <summary>The app's sidecar shuts down (its ports close); the app stays up and finds its sidecar gone.</summary>
    public Task StopSidecarAsync(string appId) => App(appId).StopSidecarAsync();

    /// <summary>A new sidecar for the app on the ports the old one had (the app keeps its DAPR_HTTP_PORT), on
    /// <paramref name="clock"/> if given (a skewed clock: its workflow timers fire by it), else the launcher's.</summary>
    public Task StartSidecarAsync(string appId, CancellationToken ct, TimeProvider? clock = null) => App(appId).StartSidecarAsync(ct, clock);

    /// <summary>Where the app's sidecar listens for its Dapr HTTP API and the token it wants (null: none), so a fault
    /// can act as the app would (publish a malformed event on a real topic); null while the sidecar is stopped.</summary>
    public (Uri HttpEndpoint, string? ApiToken)? Sidecar(string appId) =>
        App(appId).Sidecar is { } sidecar ? (new Uri(sidecar.HttpEndpoint), sidecar.Runtime.Options.ApiToken) : null;

    private SupervisedApp App(string appId) =>
        _apps.TryGetValue(appId, out var app) ? app : throw new ArgumentException($"the run has no app {appId} (or it has not started yet)", nameof(appId));
}
