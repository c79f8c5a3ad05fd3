using System.Text.Json.Nodes;
using LedgerX.LocalDapr.Invocation;
using LedgerX.LocalDapr.Launcher;
using LedgerX.LocalDapr.Resources;
using LedgerX.LocalDapr.Tests.Infrastructure;
using LedgerX.Testing;
using Npgsql;

namespace LedgerX.LocalDapr.Tests.Launcher;

/// <summary>The launcher driven as `localdapr run -f` would: real app processes (node), sidecars in-process.</summary>
public sealed class MultiAppRunnerTests
{
    private const string NodeApp = """
        const http = require('http');
        const names = ['APP_ID','APP_PORT','APP_CHANNEL_ADDRESS','DAPR_HTTP_PORT','DAPR_GRPC_PORT','DAPR_METRICS_PORT','APP_PROTOCOL','GREETING','DAPR_API_TOKEN','APP_API_TOKEN'];
        http.createServer((req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          if (req.url === '/dapr/subscribe') { res.end('[]'); return; }
          const env = {}; for (const n of names) env[n] = process.env[n];
          res.end(JSON.stringify({ path: req.url, caller: req.headers['dapr-caller-app-id'], token: req.headers['dapr-api-token'], env }));
        }).listen(Number(process.env.APP_PORT), '127.0.0.1', () => console.log('listening on ' + process.env.APP_PORT));
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_apps_from_a_run_file_get_daprs_variables_and_reach_each_other_through_their_sidecars()
    {
        using var folder = new ResourceFolder();
        string suffix = Guid.NewGuid().ToString("N")[..6];
        string alpha = "alpha-" + suffix;
        string beta = "beta-" + suffix;
        WriteApp(folder, "alpha");
        WriteApp(folder, "beta");
        int alphaPort = MultiAppRunner.FreePort();
        int betaPort = MultiAppRunner.FreePort();
        folder.With("dapr.yaml", $"""
            version: 1
            common:
              env:
                GREETING: common
            apps:
              - appID: {alpha}
                appDirPath: ./alpha
                appPort: {alphaPort}
                command: ["node", "app.js"]
              - appID: {beta}
                appDirPath: ./beta
                appPort: {betaPort}
                command: ["node", "app.js"]
                env:
                  GREETING: from-beta
            """);

        var output = new StringWriter();
        string registry = Path.Combine(folder.Path, "registry");
        using var stop = new CancellationTokenSource();
        var runner = new MultiAppRunner(RunFile.Load(folder.Path), new LauncherOptions { RegistryDirectory = registry, AppStartTimeout = TimeSpan.FromSeconds(20) }, new ConsoleOutput(TextWriter.Synchronized(output), colour: false));
        var run = runner.RunAsync(stop.Token);

        await WaitUntilAsync(() => output.ToString().Contains("APP ID", StringComparison.Ordinal) || run.IsCompleted);
        run.IsCompleted.ShouldBeFalse(output.ToString());
        var alphaSidecar = SidecarDirectory.Resolve(alpha, registry).ShouldNotBeNull();
        File.Exists(Path.Combine(registry, beta + ".json")).ShouldBeTrue();

        using var http = new HttpClient();
        // Secure by default: no token was set anywhere, so each app and its sidecar share fresh random ones.
        var alphaEnv = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{alphaPort}/env", Ct))!["env"]!;
        string alphaToken = alphaEnv["DAPR_API_TOKEN"]!.GetValue<string>();
        alphaToken.Length.ShouldBe(64);
        (await http.GetAsync($"http://127.0.0.1:{alphaSidecar.HttpPort}/v1.0/invoke/{beta}/method/env", Ct)).StatusCode.ShouldBe(System.Net.HttpStatusCode.Unauthorized);
        http.DefaultRequestHeaders.Add("dapr-api-token", alphaToken);
        var answer = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{alphaSidecar.HttpPort}/v1.0/invoke/{beta}/method/env?x=1", Ct))!;
        answer["path"]!.GetValue<string>().ShouldBe("/env?x=1");
        answer["caller"]!.GetValue<string>().ShouldBe(alpha);
        var env = answer["env"]!;
        // beta's sidecar sent beta's app token; beta's tokens are its own, not alpha's.
        answer["token"]!.GetValue<string>().ShouldBe(env["APP_API_TOKEN"]!.GetValue<string>());
        env["APP_API_TOKEN"]!.GetValue<string>().Length.ShouldBe(64);
        env["DAPR_API_TOKEN"]!.GetValue<string>().ShouldNotBe(alphaToken);
        env["APP_API_TOKEN"]!.GetValue<string>().ShouldNotBe(alphaEnv["APP_API_TOKEN"]!.GetValue<string>());
        env["APP_ID"]!.GetValue<string>().ShouldBe(beta);
        env["APP_PORT"]!.GetValue<string>().ShouldBe(betaPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        env["APP_CHANNEL_ADDRESS"]!.GetValue<string>().ShouldBe("127.0.0.1");
        env["APP_PROTOCOL"]!.GetValue<string>().ShouldBe("http");
        env["GREETING"]!.GetValue<string>().ShouldBe("from-beta");
        int.Parse(env["DAPR_HTTP_PORT"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(0);
        int.Parse(env["DAPR_GRPC_PORT"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(0);
        env["DAPR_METRICS_PORT"].ShouldNotBeNull();
        output.ToString().ShouldContain($"[{alpha}] listening on {alphaPort}");

        await stop.CancelAsync();
        (await run.WaitAsync(TimeSpan.FromSeconds(15), Ct)).ShouldBe(0);
        File.Exists(Path.Combine(registry, beta + ".json")).ShouldBeFalse();
    }

    [Fact]
    public async Task Under_a_postgres_override_an_apps_connection_string_to_the_components_server_follows_the_components()
    {
        // The components name localhost:5432 (as components/ does); LEDGERX_POSTGRES says the launcher's server is the test one.
        string server = await TestPostgres.GetServerConnectionStringAsync(Ct);
        var target = new NpgsqlConnectionStringBuilder(server);
        using var folder = new ResourceFolder();
        string appId = "envprinter-" + Guid.NewGuid().ToString("N")[..6];
        Directory.CreateDirectory(Path.Combine(folder.Path, "app"));
        Directory.CreateDirectory(Path.Combine(folder.Path, "components"));
        File.WriteAllText(Path.Combine(folder.Path, "app", "app.js"), """
            const http = require('http');
            const env = {}; for (const n of Object.keys(process.env).filter(n => n.startsWith('ConnectionStrings__') || n === 'LEDGERX_POSTGRES')) env[n] = process.env[n];
            console.log('ENV ' + JSON.stringify(env));
            http.createServer((req, res) => { res.writeHead(req.url === '/dapr/subscribe' ? 200 : 404, { 'content-type': 'application/json' }); res.end('[]'); })
              .listen(Number(process.env.APP_PORT), '127.0.0.1');
            """);
        File.WriteAllText(Path.Combine(folder.Path, "components", "statestore.yaml"), Yaml.Component("statestore", "state.postgresql",
            ("connectionString", "host=localhost port=5432 user=postgres password=postgres database=postgres"), ("tablePrefix", "launcher_redirect_")));
        folder.With("dapr.yaml", $"""
            version: 1
            common:
              resourcesPaths: [./components]
              env:
                ConnectionStrings__Shared: Host=localhost;Port=5432;Username=postgres;Password=postgres;Database=shared_db
            apps:
              - appID: {appId}
                appDirPath: ./app
                appPort: {MultiAppRunner.FreePort()}
                command: ["node", "app.js"]
                env:
                  ConnectionStrings__Ledger: Host=localhost;Port=5432;Username=postgres;Password=postgres;Database=ledgerx_transactions;Timeout=30
                  ConnectionStrings__Remote: Host=db.example.com;Port=5432;Database=remote
            """);

        var output = new StringWriter();
        using var stop = new CancellationTokenSource();
        var options = new LauncherOptions
        {
            RegistryDirectory = Path.Combine(folder.Path, "registry"),
            AppStartTimeout = TimeSpan.FromSeconds(20),
            BackendEnvironment = name => name == BackendProvisioner.PostgresVariable ? server : null,
        };
        var run = new MultiAppRunner(RunFile.Load(folder.Path), options, new ConsoleOutput(TextWriter.Synchronized(output), colour: false)).RunAsync(stop.Token);

        string prefix = $"[{appId}] ENV ";
        // The app's own first line can reach the output after the launcher's table: wait for both.
        await WaitUntilAsync(() => (output.ToString().Contains("APP ID", StringComparison.Ordinal) && output.ToString().Contains(prefix, StringComparison.Ordinal)) || run.IsCompleted);
        run.IsCompleted.ShouldBeFalse(output.ToString());
        string log = output.ToString();
        string envLine = log.Split('\n').Select(l => l.TrimEnd('\r')).Single(l => l.StartsWith(prefix, StringComparison.Ordinal));
        var env = JsonNode.Parse(envLine[prefix.Length..])!;

        var ledger = new NpgsqlConnectionStringBuilder(env["ConnectionStrings__Ledger"]!.GetValue<string>());
        (ledger.Host, ledger.Port, ledger.Username, ledger.Password).ShouldBe((target.Host, target.Port, target.Username, target.Password));
        (ledger.Database, ledger.Timeout).ShouldBe(("ledgerx_transactions", 30));
        new NpgsqlConnectionStringBuilder(env["ConnectionStrings__Shared"]!.GetValue<string>()).Port.ShouldBe(target.Port);
        env["ConnectionStrings__Remote"]!.GetValue<string>().ShouldBe("Host=db.example.com;Port=5432;Database=remote");
        env["LEDGERX_POSTGRES"]!.GetValue<string>().ShouldBe(server);
        log.ShouldContain($"{appId}: ConnectionStrings__Ledger repointed from localhost:5432 to {target.Host}:{target.Port}");
        log.ShouldContain($"{appId}: ConnectionStrings__Shared repointed from localhost:5432");
        log.ShouldNotContain("ConnectionStrings__Remote repointed");

        await stop.CancelAsync();
        (await run.WaitAsync(TimeSpan.FromSeconds(15), Ct)).ShouldBe(0);
    }

    [Fact]
    public async Task An_app_that_exits_stops_everything_with_a_clear_message()
    {
        using var folder = new ResourceFolder();
        Directory.CreateDirectory(Path.Combine(folder.Path, "crashy"));
        folder.With("dapr.yaml", $"""
            version: 1
            apps:
              - appID: crashy-{Guid.NewGuid():N}
                appDirPath: ./crashy
                command: ["node", "-e", "setTimeout(() => process.exit(3), 300)"]
            """);
        var output = new StringWriter();
        var runner = new MultiAppRunner(RunFile.Load(Path.Combine(folder.Path, "dapr.yaml")), new LauncherOptions { RegistryDirectory = Path.Combine(folder.Path, "registry") }, new ConsoleOutput(TextWriter.Synchronized(output), colour: false));

        (await runner.RunAsync(Ct).WaitAsync(TimeSpan.FromSeconds(15), Ct)).ShouldBe(1);
        output.ToString().ShouldContain("exited unexpectedly with code 3");
    }

    [Fact]
    public void Run_file_errors_name_the_file_and_field()
    {
        using var folder = new ResourceFolder().With("dapr.yaml", "version: 1\napps:\n  - appID: x\n    appDirPath: ./missing\n");
        var error = Should.Throw<ResourceException>(() => RunFile.Load(folder.Path));
        error.Message.ShouldContain("dapr.yaml");
        error.Message.ShouldContain("apps[0].appDirPath");
    }

    [Fact]
    public void Run_file_app_protocol_is_http_or_grpc_and_anything_else_names_the_field()
    {
        using var folder = new ResourceFolder();
        Directory.CreateDirectory(Path.Combine(folder.Path, "a"));
        Directory.CreateDirectory(Path.Combine(folder.Path, "b"));
        folder.With("dapr.yaml", "version: 1\ncommon:\n  appProtocol: grpc\napps:\n  - appDirPath: ./a\n  - appDirPath: ./b\n    appProtocol: http\n");
        RunFile.Load(folder.Path).Apps.Select(a => a.AppProtocol).ShouldBe(["grpc", "http"]);

        folder.With("dapr.yaml", "version: 1\napps:\n  - appDirPath: ./a\n    appProtocol: https\n");
        var error = Should.Throw<ResourceException>(() => RunFile.Load(folder.Path));
        error.Message.ShouldContain("apps[0].appProtocol");
        error.Message.ShouldContain("http or grpc");
    }

    [Fact]
    public void Run_file_resolves_resources_with_the_cli_precedence()
    {
        using var folder = new ResourceFolder();
        Directory.CreateDirectory(Path.Combine(folder.Path, "components"));
        Directory.CreateDirectory(Path.Combine(folder.Path, "a", ".dapr", "resources"));
        Directory.CreateDirectory(Path.Combine(folder.Path, "b"));
        Directory.CreateDirectory(Path.Combine(folder.Path, "c", "own"));
        folder.With("dapr.yaml", """
            version: 1
            common:
              resourcesPaths: [./components]
            apps:
              - appDirPath: ./a
              - appDirPath: ./b
              - appDirPath: ./c
                resourcesPaths: [./own]
            """);

        var apps = RunFile.Load(folder.Path).Apps;
        apps.Select(a => a.AppId).ShouldBe(["a", "b", "c"]);
        apps[0].ResourcesPaths.ShouldBe([Path.Combine(folder.Path, "a", ".dapr", "resources")]);
        apps[1].ResourcesPaths.ShouldBe([Path.Combine(folder.Path, "components")]);
        apps[2].ResourcesPaths.ShouldBe([Path.Combine(folder.Path, "c", "own")]);
    }

    [Fact]
    public void An_apps_own_token_wins_an_empty_one_turns_it_off_and_otherwise_each_app_gets_a_fresh_one()
    {
        static RunFileApp App(params (string Name, string Value)[] env) =>
            new("app", "/tmp", 1, "http", "127.0.0.1", [], null, null, null, [], null, env.ToDictionary(e => e.Name, e => e.Value));

        // The launcher's own environment may set these (a developer's shell); only the app's env is under test here.
        Assert.SkipWhen(Environment.GetEnvironmentVariable(MultiAppRunner.AppApiTokenVariable) is { Length: > 0 }, "APP_API_TOKEN is set in this environment");

        MultiAppRunner.Token(App(("APP_API_TOKEN", "mine")), MultiAppRunner.AppApiTokenVariable).ShouldBe("mine");
        MultiAppRunner.Token(App(("APP_API_TOKEN", "")), MultiAppRunner.AppApiTokenVariable).ShouldBeNull();
        string first = MultiAppRunner.Token(App(), MultiAppRunner.AppApiTokenVariable)!;
        first.Length.ShouldBe(64);
        MultiAppRunner.Token(App(), MultiAppRunner.AppApiTokenVariable).ShouldNotBe(first);
    }

    private static void WriteApp(ResourceFolder folder, string name)
    {
        string dir = Path.Combine(folder.Path, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "app.js"), NodeApp);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            await Task.Delay(50, timeout.Token);
        }
    }
}
