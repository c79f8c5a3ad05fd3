using System.Globalization;
using LedgerX.Cli.Common;

namespace LedgerX.Cli.Chaos;

/// <summary>
/// The chaos run's own PostgreSQL and Redis (tools/devenv/devenv.sh in a directory of the run), and the faults that
/// need their processes: an immediate PostgreSQL restart (what a crash or an OOM kill leaves behind), a stall of every
/// PostgreSQL process (SIGSTOP, as a frozen VM or a long GC-like pause of the host looks to clients), a Redis restart.
/// Only processes of this run's servers are ever signalled, found by the pid files devenv.sh writes.
/// </summary>
internal sealed class PrivateServers : IAsyncDisposable
{
    private const string DevenvRelativePath = "tools/devenv/devenv.sh";
    private static readonly TimeSpan DevenvTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan SignalTimeout = TimeSpan.FromSeconds(10);

    private readonly string _devenv;
    private readonly string _directory;
    private readonly IReadOnlyDictionary<string, string> _environment;

    private PrivateServers(string devenv, string directory, IReadOnlyDictionary<string, string> environment)
    {
        _devenv = devenv;
        _directory = directory;
        _environment = environment;
    }

    /// <summary>The servers' devenv.sh directory (pgdata/, postgres.port, ...).</summary>
    public string Home => _directory;

    /// <summary>Npgsql connection string of the server (database <c>postgres</c>).</summary>
    public string Postgres { get; private set; } = "";

    /// <summary><c>host:port</c> of Redis.</summary>
    public string Redis { get; private set; } = "";

    /// <param name="environment">For devenv.sh on every start, e.g. LEDGERX_PG_WAL_ARCHIVE (the disaster-recovery test).</param>
    public static async Task<PrivateServers> StartAsync(string repositoryRoot, string directory, CancellationToken ct,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var servers = new PrivateServers(Path.Combine(repositoryRoot, DevenvRelativePath), directory, environment ?? new Dictionary<string, string>());
        await servers.StartOrReuseAsync(ct);
        return servers;
    }

    /// <summary>devenv.sh start: starts whichever of the two servers is not running, on the ports it had.</summary>
    public async Task StartOrReuseAsync(CancellationToken ct)
    {
        var started = await ProcessRunner.RunAsync("bash", [_devenv, "start", _directory], DevenvTimeout, ct, _environment);
        if (started.ExitCode != 0)
        {
            throw new InvalidOperationException($"devenv.sh start failed (exit {started.ExitCode}): {started.StandardError.Trim()}");
        }

        foreach (var line in started.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            switch (line[..equals])
            {
                case "LEDGERX_POSTGRES": Postgres = line[(equals + 1)..]; break;
                case "LEDGERX_REDIS": Redis = line[(equals + 1)..]; break;
            }
        }

        if (Postgres.Length == 0 || Redis.Length == 0)
        {
            throw new InvalidOperationException($"devenv.sh start printed no server addresses: {started.StandardOutput}");
        }
    }

    /// <summary><c>pg_ctl stop -m immediate</c> (no checkpoint, every backend killed: crash recovery on the next start), then start.</summary>
    public async Task RestartPostgresImmediateAsync(CancellationToken ct)
    {
        // as_pg_user and pg_bindir are devenv.sh's own: the cluster belongs to the OS user devenv.sh ran initdb as.
        var stopped = await ProcessRunner.RunAsync("bash",
            ["-c", "source \"$1\"; as_pg_user \"$(pg_bindir)/pg_ctl\" stop -D \"$2/pgdata\" -m immediate -w -t 60", "chaos", _devenv, _directory],
            DevenvTimeout, ct);
        if (stopped.ExitCode != 0)
        {
            throw new InvalidOperationException($"pg_ctl stop -m immediate failed (exit {stopped.ExitCode}): {stopped.StandardError.Trim()}");
        }

        await StartOrReuseAsync(ct);
    }

    /// <summary>The postmaster and every process it forked (backends, checkpointer, WAL writer, ...).</summary>
    public IReadOnlyList<int> PostgresProcesses()
    {
        var postmaster = PidFromFile(Path.Combine(_directory, "pgdata", "postmaster.pid"))
            ?? throw new InvalidOperationException("PostgreSQL is not running (no postmaster.pid)");
        return [postmaster, .. ChildrenOf(postmaster)];
    }

    /// <summary>Sends a signal (STOP, CONT) to the given processes.</summary>
    public static async Task SignalAsync(IReadOnlyList<int> pids, string signal, CancellationToken ct)
    {
        var result = await ProcessRunner.RunAsync("kill", [$"-{signal}", .. pids.Select(p => p.ToString(CultureInfo.InvariantCulture))], SignalTimeout, ct);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} failed: {result.StandardError.Trim()}");
        }
    }

    /// <summary>Redis ends (SIGTERM, after which it has every acknowledged write in its append-only file: devenv.sh starts it
    /// with <c>--appendfsync always</c>), then starts again on its port from that file.</summary>
    public async Task RestartRedisAsync(CancellationToken ct)
    {
        var pid = PidFromFile(Path.Combine(_directory, "redis.pid")) ?? throw new InvalidOperationException("Redis is not running (no redis.pid)");
        await SignalAsync([pid], "TERM", ct);
        var deadline = DateTime.UtcNow + SignalTimeout;
        while (Directory.Exists($"/proc/{pid}") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }

        await StartOrReuseAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.RunAsync("bash", [_devenv, "stop", _directory, "--purge"], DevenvTimeout, CancellationToken.None);
    }

    private static int? PidFromFile(string path)
    {
        try
        {
            var first = File.ReadLines(path).FirstOrDefault();
            return int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static IEnumerable<int> ChildrenOf(int parent)
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so parse after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length > 1 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int ppid) && ppid == parent)
            {
                yield return pid;
            }
        }
    }
}
