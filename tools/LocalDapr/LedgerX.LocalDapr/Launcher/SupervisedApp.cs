using System.Diagnostics;
using System.Globalization;
using LedgerX.LocalDapr.Hosting;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Launcher;

/// <summary>What the launcher does when an app's process exits on its own.</summary>
public enum RestartPolicy
{
    /// <summary><c>dapr run -f</c>'s behaviour: one app gone stops the run (exit code 1), so a crash is never missed.</summary>
    Never,

    /// <summary>Kubernetes' <c>restartPolicy: Always</c>: the process is started again after a back-off that doubles on
    /// every crash in a row (<see cref="LauncherOptions.RestartBackoffInitial"/> to <see cref="LauncherOptions.RestartBackoffMax"/>)
    /// and starts over once the app has run for <see cref="LauncherOptions.RestartBackoffReset"/>.</summary>
    Always,
}

/// <summary>
/// One app of the run: its process (if it has a command), started again under <see cref="RestartPolicy.Always"/>, and
/// its in-process sidecar, which the <see cref="LauncherControl"/> can stop and start on the same ports (a daprd
/// container restarting beside its app).
/// </summary>
internal sealed class SupervisedApp
{
    private static readonly TimeSpan GracefulStop = TimeSpan.FromSeconds(5);

    private readonly ProcessStartInfo? _start;
    private readonly SidecarOptions _sidecarOptions;
    private readonly ILoggerFactory _loggers;
    private readonly ConsoleOutput _output;
    private readonly AppLogFile? _logFile;
    private readonly TaskCompletionSource<SupervisedApp?> _exitedForGood = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _sidecarGate = new(1, 1);
    private volatile bool _stopping;
    private int _restarts;

    public SupervisedApp(RunFileApp app, LocalDaprSidecar sidecar, SidecarOptions sidecarOptions, ProcessStartInfo? start, ILoggerFactory loggers, ConsoleOutput output, AppLogFile? logFile)
    {
        App = app;
        Sidecar = sidecar;
        // A restarted sidecar keeps the ports the app was given (DAPR_HTTP_PORT, DAPR_GRPC_PORT), as daprd in a pod does.
        _sidecarOptions = sidecarOptions with { HttpPort = sidecar.HttpPort, GrpcPort = sidecar.GrpcPort, MetricsPort = sidecar.MetricsPort ?? 0 };
        MetricsPort = sidecar.MetricsPort!.Value;
        _start = start;
        _loggers = loggers;
        _output = output;
        _logFile = logFile;
    }

    public RunFileApp App { get; }

    public LocalDaprSidecar? Sidecar { get; private set; }

    public Process? Process { get; private set; }

    public int MetricsPort { get; }

    public int Restarts => Volatile.Read(ref _restarts);

    /// <summary>Completes when the process exited and will not be started again (policy Never); never under Always.</summary>
    public Task<SupervisedApp?> ExitedForGood => _exitedForGood.Task;

    public int? ExitCode => Process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>Starts the process and watches it until <see cref="StopAsync"/>.</summary>
    public void Start(RestartPolicy policy, LauncherOptions options)
    {
        if (_start is null)
        {
            return;
        }

        Process = Launch();
        _ = SuperviseAsync(policy, options);
    }

    private async Task SuperviseAsync(RestartPolicy policy, LauncherOptions options)
    {
        var backoff = options.RestartBackoffInitial;
        while (true)
        {
            var process = Process!;
            var started = Stopwatch.StartNew();
            await process.WaitForExitAsync();
            if (_stopping)
            {
                return;
            }

            if (policy == RestartPolicy.Never)
            {
                _exitedForGood.TrySetResult(this);
                return;
            }

            if (started.Elapsed >= options.RestartBackoffReset)
            {
                backoff = options.RestartBackoffInitial;
            }

            _output.Plain($"app {App.AppId} exited with code {process.ExitCode}; restarting in {backoff.TotalSeconds:F1}s (restart policy Always)");
            await Task.Delay(backoff);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.RestartBackoffMax.Ticks));
            if (_stopping)
            {
                return;
            }

            try
            {
                Process = Launch();
                Interlocked.Increment(ref _restarts);
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                _output.Plain($"app {App.AppId} could not be restarted: {ex.Message}");
                _exitedForGood.TrySetResult(this);
                return;
            }
        }
    }

    private Process Launch()
    {
        var process = System.Diagnostics.Process.Start(_start!) ?? throw new InvalidOperationException($"could not start {_start!.FileName}");
        process.OutputDataReceived += (_, e) => Forward(e.Data, stderr: false);
        process.ErrorDataReceived += (_, e) => Forward(e.Data, stderr: true);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Forward(string? line, bool stderr)
    {
        if (line is null)
        {
            return;
        }

        if (_logFile is null)
        {
            _output.Line(App.AppId, line);
            return;
        }

        foreach (string shown in _logFile.AppLine(line, stderr))
        {
            _output.Line(App.AppId, shown);
        }
    }

    /// <summary>SIGKILL, as the OOM killer or a node failure ends a process: no shutdown hooks run.</summary>
    public void Kill()
    {
        if (Process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    public async Task StopSidecarAsync()
    {
        await _sidecarGate.WaitAsync();
        try
        {
            if (Sidecar is { } sidecar)
            {
                Sidecar = null;
                await sidecar.DisposeAsync();
            }
        }
        finally
        {
            _sidecarGate.Release();
        }
    }

    /// <summary>Starts the sidecar again (no-op while it runs); <paramref name="clock"/> replaces its clock from now on, as
    /// daprd restarted on a node whose clock is off (null: the clock it was started with).</summary>
    public async Task StartSidecarAsync(CancellationToken ct, TimeProvider? clock = null)
    {
        await _sidecarGate.WaitAsync(ct);
        try
        {
            Sidecar ??= await LocalDaprSidecar.StartAsync(clock is null ? _sidecarOptions : _sidecarOptions with { TimeProvider = clock }, ct);
        }
        finally
        {
            _sidecarGate.Release();
        }
    }

    public async Task StopAsync()
    {
        _stopping = true;
        if (Process is { HasExited: false } process)
        {
            // SIGTERM first so ASP.NET Core apps shut down gracefully; then the whole tree is killed.
            using (var term = System.Diagnostics.Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", process.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false }))
            {
                if (term is not null)
                {
                    await term.WaitForExitAsync();
                }
            }

            using var grace = new CancellationTokenSource(GracefulStop);
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        await StopSidecarAsync();
        Process?.Dispose();
        _loggers.Dispose();
    }
}
