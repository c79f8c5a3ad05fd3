using System.Net.Http.Json;
using LedgerX.Testing;
using LedgerX.Transactions.Api.Infrastructure.Persistence;
using LedgerX.Transactions.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace LedgerX.Transactions.IntegrationTests.Ledger;

/// <summary>Two PostgreSQL roles made for one test: the schema's owner and the app's role, and a database the owner owns.
/// Roles are cluster-wide, so both are dropped with the database.</summary>
public sealed class TwoRoleDatabase : IAsyncDisposable
{
    private const string Password = "ledgerx-test";
    private readonly string _server;

    private TwoRoleDatabase(string server, string name)
    {
        _server = server;
        Name = name;
        (OwnerRole, AppRole) = ($"{name}_owner", $"{name}_app");
    }

    public string Name { get; }
    public string OwnerRole { get; }
    public string AppRole { get; }
    public string Owner => As(OwnerRole);
    public string App => As(AppRole);

    public static async Task<TwoRoleDatabase> CreateAsync()
    {
        var server = await TestPostgres.GetServerConnectionStringAsync();
        var database = new TwoRoleDatabase(server, TestPostgres.UniqueDatabaseName("roles"));
        await database.AsSuperuserAsync(
            $"CREATE ROLE \"{database.OwnerRole}\" LOGIN PASSWORD '{Password}'",
            $"CREATE ROLE \"{database.AppRole}\" LOGIN PASSWORD '{Password}'",
            $"CREATE DATABASE \"{database.Name}\" OWNER \"{database.OwnerRole}\"",
            // PostgreSQL 15 gives PUBLIC no CREATE on schema public; say so for older servers too.
            $"REVOKE CREATE ON DATABASE \"{database.Name}\" FROM PUBLIC");
        return database;
    }

    /// <summary>Runs SQL as the app's role: what a compromised or buggy service could do.</summary>
    public async Task AsAppAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(App);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await AsSuperuserAsync($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", $"DROP ROLE IF EXISTS \"{AppRole}\"", $"DROP ROLE IF EXISTS \"{OwnerRole}\"");
    }

    private string As(string role) =>
        new NpgsqlConnectionStringBuilder(_server) { Database = Name, Username = role, Password = Password }.ConnectionString;

    private async Task AsSuperuserAsync(params string[] statements)
    {
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}

/// <summary>transaction-service on a database whose schema another role owns: it migrates with the owner's
/// connection string and then works with its own role's rights only.</summary>
internal sealed class LedgerWithOwnerRole(TwoRoleDatabase roles, IReadOnlyDictionary<string, string?>? extra = null)
    : LedgerApi(ClosedSidecarPort, roles.App)
{
    private const int ClosedSidecarPort = 1;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(extra ?? new Dictionary<string, string?>())
    {
        [$"ConnectionStrings:{LedgerMigrations.ConnectionStringName}"] = roles.Owner,
    };
}

/// <summary>The migration owner role (issue: migrations ran as the runtime role, which owned event_log and could drop
/// its append-only trigger). With two roles the app's role cannot change the schema or history, and the ledger still
/// does everything it does with one role.</summary>
public sealed class MigrationOwnerRole : IAsyncLifetime
{
    private TwoRoleDatabase _roles = null!;

    public async ValueTask InitializeAsync() => _roles = await TwoRoleDatabase.CreateAsync();

    public async ValueTask DisposeAsync() => await _roles.DisposeAsync();

    [Fact]
    public async Task TheLedgerWorks_AsTheAppRole_AfterTheOwnerMigrated()
    {
        await using var api = new LedgerWithOwnerRole(_roles);
        await api.InitializeAsync();

        var alice = (await api.OpenAccountAsync("alice")).Id;
        var bob = (await api.OpenAccountAsync("bob")).Id;
        await api.DepositAsync(alice, 1_000);
        var transfer = await api.Client.PostAsJsonAsync("/api/v1/transfers", new { fromAccountId = alice, toAccountId = bob, amount = 250, currency = "EUR" });
        await LedgerApi.ExpectAsync(transfer, System.Net.HttpStatusCode.Created);
        var hold = await api.Client.PostAsJsonAsync("/api/v1/holds", new { accountId = alice, toAccountId = bob, amount = 10, currency = "EUR" });
        await LedgerApi.ExpectAsync(hold, System.Net.HttpStatusCode.Created);

        (await api.GetAccountAsync(alice)).Balance.ShouldBe(750);
        (await api.VerifyAsync()).Ok.ShouldBeTrue();
        (await api.Client.GetAsync($"/api/v1/accounts/{bob}/history")).EnsureSuccessStatusCode();
        (await TableOwnersAsync()).ShouldBe([_roles.OwnerRole]);
    }

    [Fact]
    public async Task ADatabaseTheAppRoleAlreadyOwns_IsRefusedWithTheFix()
    {
        // Migrated in one-role mode first (the app's role owns every table), then switched to two roles without
        // handing the tables over: granting would protect nothing, so the service says what to run.
        var options = new DbContextOptionsBuilder<LedgerDbContext>().UseNpgsql(_roles.App).UseSnakeCaseNamingConvention().Options;
        await using (var asApp = new LedgerDbContext(options))
        {
            await GrantCreateToAppAsync();
            await asApp.Database.MigrateAsync(TestContext.Current.CancellationToken);
        }

        var refused = await Should.ThrowAsync<InvalidOperationException>(() => RunMigrationsAsync(MigrationMode.ApplyAndExit, withOwner: true));

        refused.Message.ShouldContain("REASSIGN OWNED BY");
        refused.Message.ShouldContain("event_log");
    }

    [Fact]
    public async Task ApplyAndExit_MigratesAsTheOwner_AndSaysNotToServe()
    {
        var serve = await RunMigrationsAsync(MigrationMode.ApplyAndExit, withOwner: true);

        serve.ShouldBeFalse();
        (await TableOwnersAsync()).ShouldBe([_roles.OwnerRole]);
        await Should.ThrowAsync<PostgresException>(() => _roles.AsAppAsync("UPDATE event_log SET type = type"));
    }

    [Fact]
    public async Task Verify_RefusesToStartOnAnUnmigratedDatabase_AndStartsOnAMigratedOne()
    {
        var refused = await Should.ThrowAsync<InvalidOperationException>(() => RunMigrationsAsync(MigrationMode.Verify, withOwner: false));
        refused.Message.ShouldContain("ApplyAndExit");

        await RunMigrationsAsync(MigrationMode.ApplyAndExit, withOwner: true);

        (await RunMigrationsAsync(MigrationMode.Verify, withOwner: false)).ShouldBeTrue();
    }

    /// <summary>What Program.cs runs before serving, with the app's services (its DbContext on the app's role).</summary>
    private async Task<bool> RunMigrationsAsync(MigrationMode mode, bool withOwner)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Ledger"] = _roles.App,
            [LedgerMigrations.ModeSetting] = mode.ToString(),
        };
        if (withOwner)
        {
            settings[$"ConnectionStrings:{LedgerMigrations.ConnectionStringName}"] = _roles.Owner;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        await using var services = new ServiceCollection()
            .AddDbContext<LedgerDbContext>(o => o.UseNpgsql(_roles.App).UseSnakeCaseNamingConvention())
            .BuildServiceProvider();
        return await LedgerMigrations.RunAsync(services, configuration, NullLogger.Instance, TestContext.Current.CancellationToken);
    }

    private async Task GrantCreateToAppAsync()
    {
        await using var connection = new NpgsqlConnection(_roles.Owner);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"GRANT CREATE ON SCHEMA public TO \"{_roles.AppRole}\"", connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<List<string>> TableOwnersAsync()
    {
        await using var connection = new NpgsqlConnection(_roles.Owner);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var owners = new List<string>();
        while (await reader.ReadAsync())
        {
            owners.Add(reader.GetString(0));
        }
        return owners;
    }
}

/// <summary>What the app's role may not do, on one ledger the owner migrated and the app wrote to. Every statement is
/// refused and so changes nothing, so the cases share that ledger instead of each making roles, a database and a
/// service start of its own.</summary>
public sealed class AppRoleRefusals(AppRoleRefusals.MigratedByTheOwner ledger) : IClassFixture<AppRoleRefusals.MigratedByTheOwner>
{
    /// <summary>Two roles and a database; the service migrated it as the owner and took a deposit as the app's role.</summary>
    public sealed class MigratedByTheOwner : IAsyncLifetime
    {
        public TwoRoleDatabase Roles { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            Roles = await TwoRoleDatabase.CreateAsync();
            await using var api = new LedgerWithOwnerRole(Roles);
            await api.InitializeAsync();
            await api.DepositAsync((await api.OpenAccountAsync("alice")).Id, 100);
        }

        public async ValueTask DisposeAsync() => await Roles.DisposeAsync();
    }

    [Theory]
    [InlineData("ALTER TABLE event_log DISABLE TRIGGER event_log_append_only", "must be owner")]
    [InlineData("DROP TRIGGER event_log_append_only ON event_log", "must be owner")]
    [InlineData("UPDATE event_log SET type = type", "permission denied")]
    [InlineData("DELETE FROM event_log", "permission denied")]
    [InlineData("TRUNCATE event_log CASCADE", "permission denied")]
    [InlineData("UPDATE postings SET amount = amount + 1", "permission denied")]
    [InlineData("DELETE FROM journal_entries", "permission denied")]
    [InlineData("DELETE FROM \"__EFMigrationsHistory\"", "permission denied")]
    [InlineData("DROP TABLE accounts CASCADE", "must be owner")]
    [InlineData("CREATE TABLE public.shadow (id int)", "permission denied")]
    public async Task TheAppRole_CannotChangeTheSchemaOrHistory(string sql, string refusal)
    {
        var refused = await Should.ThrowAsync<PostgresException>(() => ledger.Roles.AsAppAsync(sql));

        refused.SqlState.ShouldBe(PostgresErrorCodes.InsufficientPrivilege);
        refused.MessageText.ShouldContain(refusal);
    }
}
