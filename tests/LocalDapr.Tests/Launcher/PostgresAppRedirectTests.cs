using LedgerX.LocalDapr.Launcher;
using Npgsql;

namespace LedgerX.LocalDapr.Tests.Launcher;

/// <summary>
/// The rule that repoints apps' own connection strings when the launcher's PostgreSQL replaces the one the
/// components name (dapr.yaml and components/ as in the repository: both say localhost:5432).
/// </summary>
public sealed class PostgresAppRedirectTests
{
    // components/secrets.json's statestore connection string (pgx form), and devenv.sh's LEDGERX_POSTGRES.
    private const string ComponentConnectionString = "host=localhost port=5432 user=postgres password=postgres database=postgres connect_timeout=10";
    private const string DevEnvOverride = "Host=127.0.0.1;Port=54321;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=100";
    private const string LedgerFromRunFile = "Host=localhost;Port=5432;Username=postgres;Password=postgres;Database=ledgerx_transactions";

    private static PostgresAppRedirect Redirect(string overrideConnectionString = DevEnvOverride) =>
        PostgresAppRedirect.Create(overrideConnectionString, [PostgresEndpoint.Parse(ComponentConnectionString)!]).ShouldNotBeNull();

    [Fact]
    public void A_run_file_connection_string_to_the_replaced_server_gets_the_overrides_server_and_keeps_its_database()
    {
        var rewrite = Redirect().Rewrite("ConnectionStrings__Ledger", LedgerFromRunFile).ShouldNotBeNull();

        var app = new NpgsqlConnectionStringBuilder(rewrite.Value);
        app.Host.ShouldBe("127.0.0.1");
        app.Port.ShouldBe(54321);
        app.Username.ShouldBe("postgres");
        app.Password.ShouldBeNull(); // the override's credentials, as the components now use: devenv's server trusts local users
        app.Database.ShouldBe("ledgerx_transactions");
        rewrite.From.ShouldBe(new PostgresEndpoint("localhost", 5432));
        rewrite.To.ShouldBe(new PostgresEndpoint("127.0.0.1", 54321));
        rewrite.Database.ShouldBe("ledgerx_transactions");
    }

    [Fact]
    public void The_apps_other_settings_stay_and_the_overrides_client_settings_are_not_copied()
    {
        var rewrite = Redirect().Rewrite("ConnectionStrings__Fraud", "Host=localhost;Port=5432;Username=postgres;Password=postgres;Database=ledgerx_fraud;Timeout=30;Maximum Pool Size=7;Include Error Detail=true").ShouldNotBeNull();

        var app = new NpgsqlConnectionStringBuilder(rewrite.Value);
        app.Database.ShouldBe("ledgerx_fraud");
        app.Timeout.ShouldBe(30);
        app.MaxPoolSize.ShouldBe(7);
        app.IncludeErrorDetail.ShouldBeTrue();
    }

    [Fact]
    public void The_overrides_username_and_password_replace_the_apps_and_the_log_line_shows_neither_password()
    {
        var redirect = Redirect("Host=db.internal;Port=6543;Username=ledger;Password=s3cret-override;Database=postgres");

        var rewrite = redirect.Rewrite("ConnectionStrings__Analytics", "Host=localhost;Port=5432;Username=postgres;Password=old-secret;Database=ledgerx_analytics").ShouldNotBeNull();

        var app = new NpgsqlConnectionStringBuilder(rewrite.Value);
        (app.Host, app.Port, app.Username, app.Password, app.Database).ShouldBe(("db.internal", 6543, "ledger", "s3cret-override", "ledgerx_analytics"));
        string line = rewrite.Describe("analytics-service");
        line.ShouldBe("analytics-service: ConnectionStrings__Analytics repointed from localhost:5432 to db.internal:6543 (the launcher's PostgreSQL; Database=ledgerx_analytics and its other settings kept)");
        line.ShouldNotContain("s3cret");
        line.ShouldNotContain("old-secret");
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Port=5432;Database=a")]
    [InlineData("Host=::1;Port=5432;Database=a")]
    [InlineData("Host=LOCALHOST;Port=5432;Database=a")]
    [InlineData("Server=localhost;Port=5432;Database=a")]
    [InlineData("Host=localhost;Database=a")] // Npgsql's default port is the replaced one
    public void Loopback_spellings_and_the_default_port_name_the_replaced_server(string value) =>
        Redirect().Rewrite("ConnectionStrings__Any", value).ShouldNotBeNull().Value.ShouldContain("Port=54321");

    [Theory]
    [InlineData("connectionstrings__Ledger")]
    [InlineData("ConnectionStrings:Ledger")]
    public void Connection_string_variables_are_recognised_as_dotnet_configuration_reads_them(string variable) =>
        Redirect().Rewrite(variable, LedgerFromRunFile).ShouldNotBeNull();

    [Theory]
    [InlineData("ConnectionStrings__Ledger", "Host=localhost;Port=5433;Database=a")] // another server on the same host
    [InlineData("ConnectionStrings__Ledger", "Host=db.example.com;Port=5432;Database=a")] // another host, chosen on purpose
    [InlineData("ConnectionStrings__Ledger", "Database=a;Username=postgres")] // no Host: where it goes is not said here
    [InlineData("ConnectionStrings__Redis", "localhost:6379")] // not an Npgsql connection string
    [InlineData("ConnectionStrings__Ledger", "postgres://postgres@localhost:5432/a")] // a URL, which Npgsql would not take either
    [InlineData("ConnectionStrings__Ledger", "host=localhost port=5432 dbname=a")] // pgx form: not what an Npgsql app reads
    [InlineData("ConnectionStrings__Orders", "Server=localhost;Database=orders;Trusted_Connection=True")] // SQL Server
    [InlineData("ConnectionStrings__Ledger", "")]
    [InlineData("LEDGER_DATABASE", "Host=localhost;Port=5432;Database=a")] // not a connection-string variable
    [InlineData("ASPNETCORE_URLS", "http://127.0.0.1:5100")]
    public void Everything_else_is_left_alone(string variable, string value) =>
        Redirect().Rewrite(variable, value).ShouldBeNull();

    [Fact]
    public void A_string_that_already_names_the_overrides_server_keeps_its_own_credentials()
    {
        // ./ledgerx up got port 5432: LEDGERX_POSTGRES is 127.0.0.1:5432 without a password, the run file's string works as is.
        var redirect = Redirect("Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=100");

        redirect.Rewrite("ConnectionStrings__Ledger", LedgerFromRunFile).ShouldBeNull();
        redirect.Rewrite("ConnectionStrings__Ledger", "Host=localhost;Port=5432;Username=someone;Password=else;Database=x").ShouldBeNull();
    }

    [Fact]
    public void Without_a_server_named_by_the_components_or_with_an_unreadable_override_nothing_is_repointed()
    {
        PostgresAppRedirect.Create(DevEnvOverride, []).ShouldBeNull();
        PostgresAppRedirect.Create("not a connection string at all;;==", [new PostgresEndpoint("localhost", 5432)]).ShouldBeNull();
    }

    [Fact]
    public void Every_matching_variable_of_an_app_is_rewritten_in_order_and_only_those()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:5100",
            ["ConnectionStrings__Ledger"] = LedgerFromRunFile,
            ["ConnectionStrings__Elsewhere"] = "Host=db.example.com;Database=x",
            ["ConnectionStrings__Outbox"] = "Host=localhost;Port=5432;Username=postgres;Password=postgres;Database=outbox",
        };

        var rewrites = Redirect().RewriteAll(env);

        rewrites.Select(r => r.Variable).ShouldBe(["ConnectionStrings__Ledger", "ConnectionStrings__Outbox"]);
        rewrites.Select(r => r.Database).ShouldBe(["ledgerx_transactions", "outbox"]);
    }

    [Theory]
    [InlineData("host=localhost port=5432 user=postgres", "localhost", 5432)]
    [InlineData("postgres://postgres:pw@127.0.0.1:6000/db", "127.0.0.1", 6000)]
    [InlineData("Host=pg;Port=7000;Database=x", "pg", 7000)]
    [InlineData("dbname=x sslmode=disable", "localhost", 5432)]
    public void Component_connection_strings_name_their_server_in_every_form_the_components_accept(string connectionString, string host, int port) =>
        PostgresEndpoint.Parse(connectionString).ShouldBe(new PostgresEndpoint(host, port));
}
