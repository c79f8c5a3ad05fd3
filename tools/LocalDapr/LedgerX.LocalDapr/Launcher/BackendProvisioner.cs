using System.Diagnostics;
using System.Net.Sockets;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Resources;

namespace LedgerX.LocalDapr.Launcher;

/// <summary>
/// Makes sure the PostgreSQL and Redis the components need are there (issue #3: "starts PostgreSQL and Redis
/// itself when components need them and none is configured"). In order: <c>LEDGERX_POSTGRES</c> /
/// <c>LEDGERX_REDIS</c> from the environment win; otherwise a server the component file points at that answers
/// is used as is; otherwise <c>tools/devenv/devenv.sh start</c> provides private servers and the components are
/// pointed at them through metadata overrides (the YAML files are never rewritten). Apps' own connection strings
/// to the replaced PostgreSQL follow the components (<see cref="AppPostgresRedirect"/>).
/// </summary>
public sealed class BackendProvisioner : IAsyncDisposable
{
    public const string PostgresVariable = "LEDGERX_POSTGRES";
    public const string RedisVariable = "LEDGERX_REDIS";

    private readonly ConsoleOutput _output;
    private readonly Func<string, string?> _environment;
    private string? _startedDevEnvDirectory;
    private string? _secretCopies;
    private string? _devEnvScript;

    /// <param name="output">Where progress lines go.</param>
    /// <param name="environment">Where <c>LEDGERX_POSTGRES</c>/<c>LEDGERX_REDIS</c> are read; the process environment by default.</param>
    public BackendProvisioner(ConsoleOutput output, Func<string, string?>? environment = null)
    {
        _output = output;
        _environment = environment ?? Environment.GetEnvironmentVariable;
    }

    /// <summary>Environment to hand to apps so they can reach the same servers (set only when known).</summary>
    public Dictionary<string, string> AppEnvironment { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Set when a PostgreSQL override replaces the server(s) the components name: apps' own connection strings to
    /// those servers are repointed too (<see cref="PostgresAppRedirect"/>), so apps and components share one server.
    /// </summary>
    public PostgresAppRedirect? AppPostgresRedirect { get; private set; }

    public async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> ProvisionAsync(
        IEnumerable<(ResourceSet Resources, string WorkingDirectory)> apps, string stateDirectory, string searchFrom, CancellationToken cancellationToken)
    {
        var postgres = new List<(string Component, string ConnectionString)>();
        var redis = new List<(string Component, string Host)>();
        var secretFiles = new List<(string Component, string File)>();
        foreach (var (resources, workingDirectory) in apps)
        {
            foreach (var (component, metadata) in ComponentFactory.ResolveMetadata(resources, workingDirectory))
            {
                if (component.Type == "secretstores.local.file" && metadata.GetValueOrDefault("secretsFile") is { Length: > 0 } file)
                {
                    secretFiles.Add((component.Name, Path.GetFullPath(file, workingDirectory)));
                }
                else if (component.Type == "state.postgresql")
                {
                    postgres.Add((component.Name, metadata.GetValueOrDefault("connectionString") ?? ""));
                }
                else if (component.Type == "pubsub.redis")
                {
                    redis.Add((component.Name, metadata.GetValueOrDefault("redisHost") ?? ""));
                }
            }
        }

        string? pgOverride = _environment(PostgresVariable);
        string? redisOverride = _environment(RedisVariable);
        var postgresEndpoints = postgres.Select(p => PostgresEndpoint.Parse(p.ConnectionString)).ToList();
        bool needPostgres = pgOverride is null && !await AllReachableAsync(postgresEndpoints.Select(e => e is null ? null : ((string, int)?)(e.Host, e.Port)), cancellationToken);
        bool needRedis = redisOverride is null && !await AllReachableAsync(redis.Select(r => RedisEndpoint(r.Host)), cancellationToken);
        if ((needPostgres && postgres.Count > 0) || (needRedis && redis.Count > 0))
        {
            var started = await StartDevEnvAsync(stateDirectory, searchFrom, cancellationToken);
            if (needPostgres)
            {
                pgOverride = started.GetValueOrDefault(PostgresVariable);
            }

            if (needRedis)
            {
                redisOverride = started.GetValueOrDefault(RedisVariable);
            }
        }

        var overrides = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        if (pgOverride is not null)
        {
            AppEnvironment[PostgresVariable] = pgOverride;
            AppPostgresRedirect = PostgresAppRedirect.Create(pgOverride, postgresEndpoints.OfType<PostgresEndpoint>());
            foreach (var (component, _) in postgres)
            {
                overrides[component] = new Dictionary<string, string> { ["connectionString"] = pgOverride };
            }

            RedirectSecretFiles(secretFiles, overrides);
        }

        if (redisOverride is not null)
        {
            AppEnvironment[RedisVariable] = redisOverride;
            foreach (var (component, _) in redis)
            {
                overrides[component] = new Dictionary<string, string> { ["redisHost"] = redisOverride };
            }
        }

        return overrides;
    }

    /// <summary>
    /// Apps read their connection strings from the secret store (ADR 0025): a file store whose values name the replaced
    /// server is pointed at a rewritten copy (<see cref="SecretsFileRedirect"/>). One override per component name serves
    /// every app, so a component that different apps resolve to different files is left alone, and said so.
    /// </summary>
    private void RedirectSecretFiles(List<(string Component, string File)> secretFiles, Dictionary<string, IReadOnlyDictionary<string, string>> overrides)
    {
        if (AppPostgresRedirect is null)
        {
            return;
        }

        // This run's own folder (0700): runs beside each other (up, the test fixtures, chaos) repoint to different servers.
        string directory = _secretCopies ??= Directory.CreateTempSubdirectory("ledgerx-secrets-").FullName;

        foreach (var files in secretFiles.Distinct().GroupBy(f => f.Component, StringComparer.Ordinal))
        {
            if (files.Count() > 1)
            {
                _output.Plain($"secret store {files.Key}: its apps read different files, so their connection strings are not repointed");
                continue;
            }

            if (SecretsFileRedirect.Write(files.Single().File, AppPostgresRedirect, directory, files.Key) is { } copy)
            {
                overrides[files.Key] = new Dictionary<string, string> { ["secretsFile"] = copy.File };
                foreach (var rewrite in copy.Rewrites)
                {
                    _output.Plain(rewrite.Describe($"secret store {files.Key}"));
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_secretCopies is not null && Directory.Exists(_secretCopies))
        {
            Directory.Delete(_secretCopies, recursive: true);
        }

        if (_startedDevEnvDirectory is null || _devEnvScript is null)
        {
            return;
        }

        _output.Plain($"stopping PostgreSQL and Redis in {_startedDevEnvDirectory}");
        await RunScriptAsync(_devEnvScript, ["stop", _startedDevEnvDirectory], CancellationToken.None);
    }

    private static (string Host, int Port)? RedisEndpoint(string host)
    {
        int colon = host.LastIndexOf(':');
        return colon > 0 && int.TryParse(host[(colon + 1)..], out int port) ? (host[..colon], port) : (host, 6379);
    }

    private static async Task<bool> AllReachableAsync(IEnumerable<(string Host, int Port)?> endpoints, CancellationToken cancellationToken)
    {
        foreach (var endpoint in endpoints)
        {
            if (endpoint is not { } e)
            {
                return false;
            }

            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(1));
            try
            {
                await client.ConnectAsync(e.Host, e.Port, timeout.Token);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }

        return true;
    }

    private static string? FindScript(string searchFrom)
    {
        if (Environment.GetEnvironmentVariable("LOCALDAPR_DEVENV_SCRIPT") is { Length: > 0 } configured)
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(searchFrom); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tools", "devenv", "devenv.sh");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static async Task<(int ExitCode, string StdOut, string StdErr)> RunScriptAsync(string script, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start bash");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static Dictionary<string, string> ParseLines(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    private async Task<Dictionary<string, string>> StartDevEnvAsync(string stateDirectory, string searchFrom, CancellationToken cancellationToken)
    {
        string script = FindScript(searchFrom)
            ?? throw new InvalidOperationException($"components need PostgreSQL/Redis that do not answer, and tools/devenv/devenv.sh was not found above {searchFrom}; set {PostgresVariable}/{RedisVariable}");
        _devEnvScript = script;

        var running = await RunScriptAsync(script, ["env", stateDirectory], cancellationToken);
        if (running.ExitCode == 0)
        {
            _output.Plain($"using PostgreSQL and Redis already running in {stateDirectory}");
            return ParseLines(running.StdOut);
        }

        _output.Plain($"starting private PostgreSQL and Redis in {stateDirectory} (devenv.sh)");
        var started = await RunScriptAsync(script, ["start", stateDirectory], cancellationToken);
        if (started.ExitCode != 0)
        {
            throw new InvalidOperationException($"devenv.sh start failed ({started.ExitCode}): {started.StdErr.Trim()}");
        }

        _startedDevEnvDirectory = stateDirectory;
        return ParseLines(started.StdOut);
    }
}
