using LedgerX.Testing;
using LedgerX.Transactions.Api.Ledger;
using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Ledger;

/// <summary>The writer never commits a batch after which some currency's balances no longer sum to zero.</summary>
public sealed class WriterInvariants : IAsyncLifetime
{
    private string _database = "";
    private LedgerReplica _api = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await LedgerDatabases.CreateAsync("writer_invariants");
        _api = new LedgerReplica(_database);
        await _api.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(_database);
    }

    [Fact]
    public async Task ABatchThatWouldCreateMoney_IsNotCommitted_AndItsCallerIsAnswered503()
    {
        var account = await _api.OpenAccountAsync("invariant");
        await _api.DepositAsync(account.Id, 100);
        var events = await _api.ScalarAsync<long>("SELECT count(*) FROM event_log");

        // The renderer runs inside the batch with its state, so it can play a decider bug: credit 250 that nobody paid.
        var write = _api.Writer.SubmitAsync(LedgerReplica.Deposit(account.Id, 1, "tampered"), null, (state, _) =>
        {
            state.Append(new TransactionPosted
            {
                EventId = Guid.CreateVersion7(), OccurredAt = DateTimeOffset.UtcNow, EntryId = Guid.CreateVersion7(), Kind = "deposit",
                Metadata = LedgerMetadata.Empty, Postings = [new PostingLine(account.Id, "credit", 250, "EUR", 0)],
            });
            return new StoredResponse(201, []);
        }, CancellationToken.None);

        (await Should.ThrowAsync<LedgerUnavailableException>(write)).Code.ShouldBe(LedgerUnavailableException.Unavailable);
        (await _api.GetAccountAsync(account.Id)).Balance.ShouldBe(100);
        (await _api.ScalarAsync<long>("SELECT count(*) FROM event_log")).ShouldBe(events);
        (await _api.ScalarAsync<long>("SELECT count(*) FROM (SELECT currency FROM accounts GROUP BY currency HAVING sum(balance) <> 0) unbalanced")).ShouldBe(0);
        (await _api.VerifyAsync()).Ok.ShouldBeTrue();
        // The writer goes on: the next batch commits.
        await _api.DepositAsync(account.Id, 5);
        (await _api.GetAccountAsync(account.Id)).Balance.ShouldBe(105);
    }
}
