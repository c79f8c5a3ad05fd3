using System.Security.Cryptography;
using System.Text;
using LedgerX.Transactions.Api.Ledger;
using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LedgerX.Transactions.IntegrationTests.Reversals;

/// <summary>
/// The writer's hook that carries the reversal saga's step records into the step's ledger write (issue 19): the
/// statement runs in the batch's transaction when, and only when, its command is applied; never for a refusal, never
/// for a replay from the Idempotency-Key. Checked on a scratch table, so only the hook's own writes are counted.
/// </summary>
public sealed class AppliedStatements : IAsyncLifetime
{
    private const int Accepted = 202;
    private readonly LedgerApi _api = new();

    public async ValueTask InitializeAsync()
    {
        await _api.InitializeAsync();
        await _api.ExecuteAsync("CREATE TABLE hook_marks (id int PRIMARY KEY, applied int NOT NULL, status int, applied_at timestamptz)");
        await _api.ExecuteAsync("INSERT INTO hook_marks VALUES (1, 0, NULL, NULL)");
    }

    public async ValueTask DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task TheStatementCommitsWithAnAppliedCommand_AndNotWithARefusalOrAReplay()
    {
        var writer = _api.Services.GetRequiredService<LedgerWriter>();
        var account = await _api.OpenAccountAsync("hooked");
        var key = Key($"hook-test:{Guid.NewGuid()}");
        var before = DateTimeOffset.UtcNow;

        var applied = await writer.SubmitAsync(new FreezeAccount(new AccountId(account.Id), "hook test"), key, Rendered, CancellationToken.None,
            onApplied: Mark);
        var replayed = await writer.SubmitAsync(new FreezeAccount(new AccountId(account.Id), "hook test"), key, Rendered, CancellationToken.None,
            onApplied: Mark);
        var refused = await writer.SubmitAsync(new FreezeAccount(new AccountId(Guid.NewGuid()), "no such account"), Key($"hook-test:{Guid.NewGuid()}"),
            Rendered, CancellationToken.None, onApplied: Mark);

        applied.ShouldBeOfType<WriteResult.Applied>().Replayed.ShouldBeFalse();
        replayed.ShouldBeOfType<WriteResult.Applied>().Replayed.ShouldBeTrue();
        refused.ShouldBeOfType<WriteResult.Refused>();
        (await _api.ScalarAsync<int>("SELECT applied FROM hook_marks WHERE id = 1")).ShouldBe(1);
        (await _api.ScalarAsync<int>("SELECT status FROM hook_marks WHERE id = 1")).ShouldBe(Accepted);
        (await _api.ScalarAsync<DateTime>("SELECT applied_at FROM hook_marks WHERE id = 1")).ShouldBeGreaterThanOrEqualTo(before.UtcDateTime.AddSeconds(-5));
        (await _api.ScalarAsync<string>($"SELECT status FROM accounts WHERE id = '{account.Id}'")).ShouldBe("frozen");
    }

    private static StoredResponse Rendered(LedgerState state, IReadOnlyList<LedgerEvent> events) => new(Accepted, []);

    private static NpgsqlBatchCommand Mark(StoredResponse response, DateTimeOffset appliedAt)
    {
        var command = new NpgsqlBatchCommand("UPDATE hook_marks SET applied = applied + 1, status = $1, applied_at = $2 WHERE id = 1");
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = response.StatusCode });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = appliedAt });
        return command;
    }

    private static IdempotencyRequest Key(string key) =>
        new(new IdempotencyKey(IdempotencyScope.ReversalSaga, key), SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
