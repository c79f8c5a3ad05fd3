namespace LedgerX.Chart.Tests;

/// <summary>transactionService.migrations.separateOwnerRole: the ledger's migrations run as the owner role in an init
/// container that alone reads the owner's connection string; the app container runs as its own role and only checks
/// the schema. Off (the default), nothing of it renders.</summary>
public sealed class ChartMigrationRoleRender
{
    private const string OwnerKey = "ledger-migrations-connection-string";

    private static readonly Lazy<RenderedChart> Separate = new(() =>
        ChartRenderer.Render("-f", Path.Combine(AppContext.BaseDirectory, "values", "separate-migrations-role.yaml"), "--notes"));

    [Fact]
    public void An_init_container_migrates_as_the_owner_and_exits()
    {
        var spec = Separate.Value.ForApp("Deployment", "transaction-service").Map("spec", "template", "spec");
        var migrate = Node.List(spec, "initContainers").ShouldHaveSingleItem();
        var app = Node.List(spec, "containers").ShouldHaveSingleItem();

        Node.Str(migrate, "name").ShouldBe("migrate");
        Node.Str(migrate, "image").ShouldBe(Node.Str(app, "image"));
        ChartDefaultsRender.Env(migrate, "Ledger__Migrations").ShouldBe("ApplyAndExit");
        SecretKey(migrate, "ConnectionStrings__LedgerMigrations").ShouldBe(OwnerKey);
        SecretKey(migrate, "ConnectionStrings__Ledger").ShouldBe("ledger-connection-string");
        Node.Str(migrate, "securityContext", "readOnlyRootFilesystem").ShouldBe("true");
    }

    [Fact]
    public void The_app_container_never_sees_the_owner_and_only_verifies_the_schema()
    {
        var app = Separate.Value.ForApp("Deployment", "transaction-service").List("spec", "template", "spec", "containers").Single();

        ChartDefaultsRender.Env(app, "Ledger__Migrations").ShouldBe("Verify");
        // Its own connection string comes from the secret store at start-up (ADR 0025), not the environment.
        ChartDefaultsRender.Env(app, "SecretStore__Secret").ShouldBe("ledgerx-secrets");
        Node.List(app, "env").ShouldNotContain(e => Node.Str(e, "name") == "ConnectionStrings__Ledger");
        Node.List(app, "env").Select(e => Node.Str(e, "valueFrom", "secretKeyRef", "key")).ShouldNotContain(OwnerKey);
    }

    [Fact]
    public void The_created_secret_and_the_notes_carry_the_owner_key()
    {
        var chart = Separate.Value;

        chart.Single("Secret", "ledgerx-secrets").Map("stringData")[OwnerKey].ShouldBe(
            "Host=db;Username=ledgerx_owner;Password=o;Database=ledgerx_transactions");
        chart.Single("Secret", "ledgerx-secrets").Map("stringData").Keys.Cast<string>().Order()
            .ShouldBe(ChartDefaultsRender.SecretKeysReferenced(chart).Order());
        ChartRenderer.Render("--set", "transactionService.migrations.separateOwnerRole=true", "--notes").Notes.ShouldContain(OwnerKey);
    }

    [Fact]
    public void Other_apps_get_no_init_container()
    {
        foreach (var appId in new[] { "fraud-service", "analytics-service" })
        {
            Separate.Value.ForApp("Deployment", appId).List("spec", "template", "spec", "initContainers").ShouldBeEmpty();
        }
    }

    [Fact]
    public void By_default_the_app_migrates_itself_with_one_role()
    {
        var chart = ChartRenderer.Render("--notes");
        var spec = chart.ForApp("Deployment", "transaction-service").Map("spec", "template", "spec");

        Node.List(spec, "initContainers").ShouldBeEmpty();
        ChartDefaultsRender.Env(Node.List(spec, "containers").Single(), "Ledger__Migrations").ShouldBeNull();
        ChartDefaultsRender.SecretKeysReferenced(chart).ShouldNotContain(OwnerKey);
        chart.Notes.ShouldNotContain(OwnerKey);
    }

    [Fact]
    public void A_created_secret_without_the_owner_connection_string_is_refused_by_name()
    {
        var (exitCode, _, stderr) = ChartRenderer.Run("--set",
            "transactionService.migrations.separateOwnerRole=true,secrets.create=true,secrets.ledgerConnectionString=a,secrets.statestoreConnectionString=b," +
            "secrets.fraudConnectionString=c,secrets.analyticsConnectionString=d,secrets.redisPassword=e");

        exitCode.ShouldNotBe(0);
        stderr.ShouldContain("secrets.ledgerMigrationsConnectionString");
    }

    private static string? SecretKey(object container, string env) =>
        Node.Str(Node.List(container, "env").SingleOrDefault(e => Node.Str(e, "name") == env), "valueFrom", "secretKeyRef", "key");
}
