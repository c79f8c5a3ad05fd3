using System.Globalization;
using LedgerX.LocalDapr.Launcher;
using LedgerX.Testing;

namespace LedgerX.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The repository's <c>dapr.yaml</c>, made fit for a test run beside other test runs: every app runs its Release build
/// (<c>dotnet run</c> would spend minutes on up-to-date checks), on free ports instead of the fixed ones, each with a
/// fresh database of its own on the test PostgreSQL. Everything else (the apps, their settings, the components, the
/// Dapr Configuration) is the file's, so the system under test is the one <c>./ledgerx up</c> runs.
/// </summary>
public static class SystemRunFile
{
    /// <summary>Marks every app process of this run (environment <see cref="RunMarker.Variable"/>).</summary>
    public static readonly string RunId = Guid.NewGuid().ToString("N");

    /// <summary>The demo users auth-service seeds (dapr.yaml turns seeding on), with passwords only this run knows.</summary>
    public static readonly string AdminPassword = "E2e-Admin-" + Guid.NewGuid().ToString("N")[..12];

    public static readonly string CustomerPassword = "E2e-Customer-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The run's connection strings by secret name (each a fresh database), once <see cref="LoadAsync"/> ran.</summary>
    public static IReadOnlyDictionary<string, string> ConnectionStrings { get; private set; } = new Dictionary<string, string>();

    /// <summary>The apps of dapr.yaml with test ports, builds and databases; <paramref name="ports"/> gets old → new.
    /// <paramref name="directory"/> is the run's own folder, where the run's components and secrets are written.
    /// Every app and sidecar exports its spans to <paramref name="zipkinEndpoint"/>.</summary>
    public static async Task<RunFile> LoadAsync(IDictionary<int, int> ports, string directory, string zipkinEndpoint, CancellationToken ct)
    {
        var original = RunFile.Load(RepositoryRoot.PathOf("dapr.yaml"));
        var configurations = new Dictionary<string, string>(StringComparer.Ordinal);
        var relocation = new RunFileRelocation(original);
        foreach (var (fixedPort, free) in relocation.Ports)
        {
            ports[fixedPort] = free;
        }

        // Every app's database comes from the secret store; the run's store answers with fresh databases.
        var (resources, connectionStrings) = await SystemSecretStore.WriteAsync(original.Apps[0].ResourcesPaths, directory, ct);
        ConnectionStrings = connectionStrings;
        var apps = new List<RunFileApp>();
        foreach (var fromFile in original.Apps)
        {
            var app = relocation.Relocate(fromFile);
            var env = new Dictionary<string, string>(app.Env, StringComparer.Ordinal);

            // Seeding is on in dapr.yaml (Development); the tests sign in as the seeded admin and customer.
            env[RunMarker.Variable] = RunId;
            env["Auth__Seed__AdminPassword"] = AdminPassword;
            env["Auth__Seed__CustomerPassword"] = CustomerPassword;
            env[ZipkinVariable] = zipkinEndpoint;
            foreach (var (name, value) in TestSettings(app.AppId, ports))
            {
                env[name] = value;
            }

            apps.Add(app with
            {
                ResourcesPaths = app.AppId == LedgerXSystem.NotificationsAppId
                    ? [await NotificationResourcesAsync([resources], directory)]
                    : [resources],
                Env = env,
                ConfigFilePath = app.ConfigFilePath is { } config ? TracingTo(config, zipkinEndpoint, directory, configurations) : null,
            });
        }

        return original with { Apps = apps };
    }

    /// <summary>The apps' own Zipkin exporter setting (ServiceDefaults' TracingAndMetrics).</summary>
    private const string ZipkinVariable = "ZIPKIN_ENDPOINT";

    /// <summary>
    /// A copy of the Dapr Configuration whose <c>zipkin.endpointAddress</c> is the test's receiver (the file's names
    /// Zipkin on localhost:9411, which a test run does not have); everything else, sampling included, is the file's.
    /// </summary>
    private static string TracingTo(string configFile, string zipkinEndpoint, string directory, Dictionary<string, string> copies)
    {
        if (copies.TryGetValue(configFile, out var copy))
        {
            return copy;
        }

        string text = File.ReadAllText(configFile);
        string rewritten = System.Text.RegularExpressions.Regex.Replace(text, @"(?m)^(\s*endpointAddress:\s*).*$", "${1}" + zipkinEndpoint);
        if (rewritten == text)
        {
            throw new InvalidOperationException($"{configFile} names no zipkin endpointAddress; the tracing tests need the sidecars to export");
        }

        copy = Path.Combine(directory, "tracing-" + Path.GetFileName(configFile));
        File.WriteAllText(copy, rewritten);
        copies[configFile] = copy;
        return copy;
    }

    /// <summary>The few settings a test run changes, each for a reason a test needs.</summary>
    private static IEnumerable<(string Name, string Value)> TestSettings(string appId, IDictionary<int, int> ports)
    {
        if (appId == LedgerXSystem.AuthAppId)
        {
            // Staff tokens are signed in once per run; the run may outlast the 5-minute default.
            yield return ("Auth__AccessTokenLifetimeSeconds", "1800");
            // The run registers and signs in about a hundred users and floods registration (API6) with 120 more; at the
            // production 600,000 PBKDF2 iterations each hash is ~0.5 s of a core, minutes of CPU in all, and the flood
            // answered 504s. The lowest the option allows, 100,000 (Identity's own default), costs a sixth; no test here
            // judges the hash's cost.
            yield return ("Auth__PasswordHashIterations", "100000");
        }

        if (appId == LedgerXSystem.GatewayAppId)
        {
            // One browser origin allowed, so the CORS tests see both sides.
            yield return ("Gateway__Cors__AllowedOrigins__0", AllowedOrigin);
            // All tests sign in from 127.0.0.1: the per-IP sign-in budget must let a run create its users, and
            // still be small enough for the rate-limit test to exhaust quickly.
            yield return ("Gateway__RateLimits__SignIn__TokenLimit", SignInBurst.ToString(CultureInfo.InvariantCulture));
            yield return ("Gateway__RateLimits__SignIn__TokensPerPeriod", "20");
            yield return ("Gateway__RateLimits__SignIn__ReplenishmentPeriodSeconds", "1");
            // The live feed is proxied straight to notification-service's own address (not its sidecar's), by
            // default its fixed port of dapr.yaml; in a test run that port is a free one.
            yield return ("Gateway__Live__Destination", RemapPorts(DefaultLiveDestination, ports));
            // Its own /metrics listener (dapr.yaml's fixed 9581, which the relocation does not know) on a free port, so
            // runs side by side do not collide; the Prometheus of the observability tests scrapes it there.
            yield return ("Gateway__MetricsUrl", $"http://127.0.0.1:{MultiAppRunner.FreePort().ToString(CultureInfo.InvariantCulture)}");
        }

        if (appId == LedgerXSystem.NotificationsAppId)
        {
            // The test's webhook receivers listen on loopback over plain HTTP, which the SSRF guard refuses by default
            // (a test proves it still refuses 169.254.169.254, which this range does not open).
            yield return ("Notifications__Webhooks__AllowedPrivateNetworks__0", "127.0.0.0/8");
            yield return ("Notifications__Webhooks__AllowHttp", "true");
        }
    }

    /// <summary>Gateway:Live:Destination's default (LiveRouteOptions): notification-service's port of dapr.yaml.</summary>
    private const string DefaultLiveDestination = "http://127.0.0.1:5140";

    /// <summary>
    /// The components of dapr.yaml with notify-email/-sms/-push pointed at the SMTP server and provider sink that
    /// <c>./ledgerx test</c> started (<see cref="NotifyComponents"/>) instead of the fixed ports of <c>./ledgerx up</c>:
    /// a copy of the run's folder (<see cref="SystemSecretStore"/>, whose secret store names its file by absolute path)
    /// without the three files, plus the test's.
    /// </summary>
    private static async Task<string> NotificationResourcesAsync(IReadOnlyList<string> resourcesPaths, string directory)
    {
        string copy = Directory.CreateDirectory(Path.Combine(directory, "notification-resources")).FullName;
        string[] replaced = [NotifyComponents.Email, NotifyComponents.Sms, NotifyComponents.Push];
        foreach (string file in resourcesPaths.SelectMany(Directory.EnumerateFiles))
        {
            string name = Path.GetFileName(file);
            if (Path.GetExtension(name) is ".yaml" or ".yml" && !replaced.Contains(Path.GetFileNameWithoutExtension(name), StringComparer.Ordinal))
            {
                File.Copy(file, Path.Combine(copy, name), overwrite: true);
            }
        }

        await NotifyComponents.WriteAsync(copy, LedgerXSystem.NotificationsAppId);
        return copy;
    }

    /// <summary>The one browser origin the gateway allows in this run.</summary>
    public const string AllowedOrigin = "https://app.ledgerx.test";

    /// <summary>The per-IP sign-in budget's burst in this run.</summary>
    public const int SignInBurst = 60;

    /// <summary>Replaces every <c>host:port</c> of a fixed port in a setting (ASPNETCORE_URLS, Auth__Issuer, ...).</summary>
    public static string RemapPorts(string value, IDictionary<int, int> ports) =>
        RunFileRelocation.RemapPorts(value, ports.AsReadOnly());
}
