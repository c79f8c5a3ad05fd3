using System.Text.Json.Nodes;
using LedgerX.LocalDapr.Launcher;
using LedgerX.LocalDapr.Tests.Infrastructure;
using LedgerX.Testing;
using Npgsql;

namespace LedgerX.LocalDapr.Tests.Launcher;

/// <summary>
/// Apps read their connection strings from the secret store at start-up (ADR 0025), so when the launcher replaces the
/// PostgreSQL the components name, the file store answers with connection strings that follow it: a rewritten copy
/// of its file, pointed at by a metadata override; the original is never touched.
/// </summary>
public sealed class SecretsFileRedirectTests
{
    private const string Local = "Host=localhost;Port=5432;Username=postgres;Password=postgres;Database=ledgerx_transactions;Timeout=30";
    private const string Remote = "Host=db.example.com;Port=5432;Username=r;Password=r;Database=remote";
    private const string StateStore = "host=localhost port=5432 user=postgres password=postgres database=postgres";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Only_connection_strings_to_the_replaced_server_are_repointed_in_a_private_copy()
    {
        using var folder = new ResourceFolder();
        string original = Path.Combine(folder.Path, "secrets.json");
        string json = $$$"""{"ledger-connection-string": "{{{Local}}}", "remote-connection-string": "{{{Remote}}}", "statestore-connection-string": "{{{StateStore}}}", "signing-key": "abc", "encryption-key": "64yC0Jc/W5ZzPMO2cUV7SJWdFeuCFaYVYat5GWwYkQs=", "nested": {"x": "y"}}""";
        File.WriteAllText(original, json);
        var redirect = PostgresAppRedirect.Create("Host=10.9.8.7;Port=6543;Username=launcher;Password=launcher-pw", [new PostgresEndpoint("localhost", 5432)])!;

        var copy = SecretsFileRedirect.Write(original, redirect, Path.Combine(folder.Path, "copies"), "secretstore").ShouldNotBeNull();

        var secrets = JsonNode.Parse(File.ReadAllText(copy.File))!;
        var ledger = new NpgsqlConnectionStringBuilder(secrets["ledger-connection-string"]!.GetValue<string>());
        (ledger.Host, ledger.Port, ledger.Username, ledger.Password, ledger.Database, ledger.Timeout)
            .ShouldBe(("10.9.8.7", 6543, "launcher", "launcher-pw", "ledgerx_transactions", 30));
        secrets["remote-connection-string"]!.GetValue<string>().ShouldBe(Remote);
        secrets["statestore-connection-string"]!.GetValue<string>().ShouldBe(StateStore, "the state store component gets its own override");
        secrets["signing-key"]!.GetValue<string>().ShouldBe("abc");
        secrets["encryption-key"]!.GetValue<string>().ShouldBe("64yC0Jc/W5ZzPMO2cUV7SJWdFeuCFaYVYat5GWwYkQs=", "a key that Npgsql reads as an unknown keyword is not a connection string");
        secrets["nested"]!["x"]!.GetValue<string>().ShouldBe("y");
        copy.Rewrites.Select(r => r.Variable).ShouldBe(["ledger-connection-string"]);
        File.ReadAllText(original).ShouldBe(json);
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(copy.File).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite, "it holds the same passwords as the original");
        }
    }

    [Fact]
    public void Nothing_is_written_when_no_value_names_the_replaced_server()
    {
        using var folder = new ResourceFolder();
        string original = Path.Combine(folder.Path, "secrets.json");
        File.WriteAllText(original, $$"""{"remote-connection-string": "{{Remote}}"}""");
        var redirect = PostgresAppRedirect.Create("Host=10.9.8.7;Port=6543;Username=u;Password=p", [new PostgresEndpoint("localhost", 5432)])!;

        SecretsFileRedirect.Write(original, redirect, Path.Combine(folder.Path, "copies"), "secretstore").ShouldBeNull();
        Directory.Exists(Path.Combine(folder.Path, "copies")).ShouldBeFalse();
    }

    [Fact]
    public async Task Under_a_postgres_override_an_app_reads_the_repointed_connection_string_from_its_sidecar()
    {
        string server = await TestPostgres.GetServerConnectionStringAsync(Ct);
        var target = new NpgsqlConnectionStringBuilder(server);
        using var folder = new ResourceFolder();
        string appId = "secretreader-" + Guid.NewGuid().ToString("N")[..6];
        Directory.CreateDirectory(Path.Combine(folder.Path, "app"));
        Directory.CreateDirectory(Path.Combine(folder.Path, "components"));
        string secretsFile = Path.Combine(folder.Path, "components", "secrets.json");
        File.WriteAllText(secretsFile, $$"""{"ledger-connection-string": "{{Local}}"}""");
        // The app asks its sidecar, as a service does at start-up, and prints what it was given.
        File.WriteAllText(Path.Combine(folder.Path, "app", "app.js"), """
            const http = require('http');
            const ask = () => http.get({ host: '127.0.0.1', port: Number(process.env.DAPR_HTTP_PORT), path: '/v1.0/secrets/secretstore/ledger-connection-string',
                headers: { 'dapr-api-token': process.env.DAPR_API_TOKEN } }, res => { let body = ''; res.on('data', d => body += d); res.on('end', () => console.log('SECRET ' + body)); })
              .on('error', () => setTimeout(ask, 200));
            ask();
            http.createServer((req, res) => { res.writeHead(req.url === '/dapr/subscribe' ? 200 : 404, { 'content-type': 'application/json' }); res.end('[]'); })
              .listen(Number(process.env.APP_PORT), '127.0.0.1');
            """);
        File.WriteAllText(Path.Combine(folder.Path, "components", "statestore.yaml"), Yaml.Component("statestore", "state.postgresql",
            ("connectionString", StateStore), ("tablePrefix", "secrets_redirect_")));
        File.WriteAllText(Path.Combine(folder.Path, "components", "secretstore.yaml"), Yaml.Component("secretstore", "secretstores.local.file",
            ("secretsFile", "../components/secrets.json")));
        folder.With("dapr.yaml", $"""
            version: 1
            common:
              resourcesPaths: [./components]
            apps:
              - appID: {appId}
                appDirPath: ./app
                appPort: {MultiAppRunner.FreePort()}
                command: ["node", "app.js"]
            """);

        var output = new StringWriter();
        using var stop = new CancellationTokenSource();
        var options = new LauncherOptions
        {
            RegistryDirectory = Path.Combine(folder.Path, "registry"),
            AppStartTimeout = TimeSpan.FromSeconds(60),
            BackendEnvironment = name => name == BackendProvisioner.PostgresVariable ? server : null,
        };
        var run = new MultiAppRunner(RunFile.Load(folder.Path), options, new ConsoleOutput(TextWriter.Synchronized(output), colour: false)).RunAsync(stop.Token);

        string prefix = $"[{appId}] SECRET ";
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            deadline.CancelAfter(TimeSpan.FromSeconds(90));
            while (!output.ToString().Contains(prefix, StringComparison.Ordinal) && !run.IsCompleted)
            {
                await Task.Delay(50, deadline.Token);
            }
        }

        run.IsCompleted.ShouldBeFalse(output.ToString());
        string log = output.ToString();
        string line = log.Split('\n').Select(l => l.TrimEnd('\r')).Single(l => l.StartsWith(prefix, StringComparison.Ordinal));
        var answer = JsonNode.Parse(line[prefix.Length..])!;
        var ledger = new NpgsqlConnectionStringBuilder(answer["ledger-connection-string"]!.GetValue<string>());
        (ledger.Host, ledger.Port, ledger.Username, ledger.Password).ShouldBe((target.Host, target.Port, target.Username, target.Password));
        (ledger.Database, ledger.Timeout).ShouldBe(("ledgerx_transactions", 30));
        log.ShouldContain($"secret store secretstore: ledger-connection-string repointed from localhost:5432 to {target.Host}:{target.Port}");
        File.ReadAllText(secretsFile).ShouldBe($$"""{"ledger-connection-string": "{{Local}}"}""");

        await stop.CancelAsync();
        (await run.WaitAsync(TimeSpan.FromSeconds(30), Ct)).ShouldBe(0);
    }
}
