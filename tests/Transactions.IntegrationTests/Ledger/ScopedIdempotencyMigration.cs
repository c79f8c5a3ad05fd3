using System.Security.Cryptography;
using System.Text;
using LedgerX.Testing;
using LedgerX.Transactions.Api.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace LedgerX.Transactions.IntegrationTests.Ledger;

/// <summary>
/// The migration ScopedIdempotencyKeysAndReversalDecisions keeps existing keys valid: HTTP keys land in the anonymous
/// client scope, the saga's own keys in its internal scope, and a client's earlier claim of a saga key (its hash is
/// not the key's) stays the client's, where the saga never looks.
/// </summary>
public sealed class ScopedIdempotencyMigration : IAsyncLifetime
{
    private string _database = "";

    public async ValueTask InitializeAsync() => _database = await TestPostgres.CreateDatabaseAsync("ledger_migration");

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await TestPostgres.DropDatabaseAsync(_database);
    }

    [Fact]
    public async Task ExistingKeys_GetTheScopeOfWhoWroteThem()
    {
        await using var db = new LedgerDbContext(new DbContextOptionsBuilder<LedgerDbContext>().UseNpgsql(_database).UseSnakeCaseNamingConvention().Options);
        var migrator = db.GetService<IMigrator>();
        var migrations = db.Database.GetMigrations().ToList();
        await migrator.MigrateAsync(migrations[migrations.IndexOf(migrations.Single(m => m.EndsWith("_ScopedIdempotencyKeysAndReversalDecisions", StringComparison.Ordinal))) - 1]);
        var reversal = Guid.CreateVersion7();
        var sagaKey = $"reversal:{reversal}:hold";
        var claimedKey = $"reversal:{reversal}:post";
        await InsertKeyAsync(sagaKey, SHA256.HashData(Encoding.UTF8.GetBytes(sagaKey)));
        await InsertKeyAsync(claimedKey, SHA256.HashData("POST /api/v1/transfers\n{}"u8));
        await InsertKeyAsync("7f0c2a4e-dep-1", SHA256.HashData("POST /api/v1/deposits\n{}"u8));

        await migrator.MigrateAsync();

        var scopes = await db.IdempotencyKeys.AsNoTracking().ToDictionaryAsync(k => k.Key, k => k.Scope);
        scopes.ShouldBe(new Dictionary<string, string>
        {
            [sagaKey] = "internal:reversal-saga",
            [claimedKey] = "client:anonymous",
            ["7f0c2a4e-dep-1"] = "client:anonymous",
        }, ignoreOrder: true);
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        // The same key in two scopes is two rows now.
        await using var insert = new NpgsqlCommand(
            $"INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response_body, created_at, expires_at) VALUES ('app:fraud-service', '{sagaKey}', '\\x00', 201, '\\x00', now(), now())",
            connection);
        (await insert.ExecuteNonQueryAsync()).ShouldBe(1);
    }

    private async Task InsertKeyAsync(string key, byte[] hash)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "INSERT INTO idempotency_keys (key, request_hash, status_code, response_body, created_at, expires_at) VALUES ($1, $2, 201, '\\x7b7d', now(), now() + interval '1 day')",
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = hash });
        await command.ExecuteNonQueryAsync();
    }
}
