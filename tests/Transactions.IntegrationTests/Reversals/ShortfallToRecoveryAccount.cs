using System.Net.Http.Json;
using LedgerX.LocalDapr.Hosting;
using LedgerX.Testing;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Reversals;

/// <summary>The post-to-recovery-account shortfall policy: what the receiver still has is taken back, the rest is
/// debited from a receivable account, within that account's overdraft limit and never beyond it.</summary>
public sealed class ShortfallToRecoveryAccount : IAsyncLifetime
{
    private readonly string _resources = Directory.CreateTempSubdirectory("ledgerx-shortfall-").FullName;
    private readonly int _grpcPort = LedgerApi.FreePort();
    private string _database = "";
    private LocalDaprSidecar? _sidecar;
    private SagaHost? _api;
    private Guid _recovery;

    public async ValueTask InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync("ledger");
        _sidecar = await SagaHost.StartSidecarAsync(_grpcPort, _resources);
        // The recovery account must exist before the service is configured to use it.
        await using (var setup = new SagaHost(_grpcPort, _database))
        {
            await setup.InitializeAsync();
            _recovery = (await setup.OpenAccountAsync("ledgerx:recovery", overdraftLimit: 1_000)).Id;
        }
        _api = new SagaHost(_grpcPort, _database)
        {
            ExtraSettings = new Dictionary<string, string?>
            {
                ["Ledger:Reversals:ShortfallPolicy"] = "PostToRecoveryAccount",
                ["Ledger:Reversals:RecoveryAccountId"] = _recovery.ToString(),
            },
        };
        await _api.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }
        Npgsql.NpgsqlConnection.ClearAllPools();
        await TestPostgres.DropDatabaseAsync(_database);
        Directory.Delete(_resources, recursive: true);
    }

    private async Task<(Guid Payer, Guid Receiver, Guid Entry)> TransferThenSpendAsync(long amount, long spent)
    {
        var payer = await _api!.OpenAccountAsync("payer");
        var receiver = await _api.OpenAccountAsync("receiver");
        await _api.DepositAsync(payer.Id, amount);
        var response = await _api.Client.PostAsJsonAsync("/api/v1/transfers", new { fromAccountId = payer.Id, toAccountId = receiver.Id, amount, currency = "EUR" });
        var entry = (await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["id"]!.GetValue<Guid>();
        (await _api.Client.PostAsJsonAsync("/api/v1/withdrawals", new { accountId = receiver.Id, amount = spent, currency = "EUR" })).EnsureSuccessStatusCode();
        return (payer.Id, receiver.Id, entry);
    }

    [Fact]
    public async Task TheShortfallIsPostedToTheRecoveryAccount_AndThePayerIsMadeWhole()
    {
        var (payer, receiver, entry) = await TransferThenSpendAsync(700, spent: 400);

        var done = await _api!.FinishedAsync((await _api.RequestReversalAsync(entry)).Id);

        done.Status.ShouldBe("completed", done.FailureReason);
        (await _api.GetAccountAsync(payer)).Balance.ShouldBe(700);
        (await _api.GetAccountAsync(receiver)).Balance.ShouldBe(0);
        (await _api.GetAccountAsync(_recovery)).Balance.ShouldBe(-400);
        await _api.AssertLedgerInvariantsAsync();
    }

    [Fact]
    public async Task AShortfallBeyondTheRecoveryAccountsLimit_FailsAndReleasesTheHold()
    {
        var before = (await _api!.GetAccountAsync(_recovery)).Balance;
        var (payer, receiver, entry) = await TransferThenSpendAsync(5_000, spent: 4_000);

        var done = await _api.FinishedAsync((await _api.RequestReversalAsync(entry)).Id);

        done.Status.ShouldBe("failed");
        done.FailureReason!.ShouldContain("insufficient_funds");
        done.Compensations.ShouldBe(["hold_voided"]);
        (await _api.GetAccountAsync(receiver)).Balance.ShouldBe(1_000);
        (await _api.GetAccountAsync(payer)).Balance.ShouldBe(0);
        (await _api.GetAccountAsync(_recovery)).Balance.ShouldBe(before);
        await _api.AssertLedgerInvariantsAsync();
    }

    /// <summary>One test for both, so the class's per-test database and sidecar start once for them.</summary>
    [Fact]
    public async Task ASpentDepositsShortfallGoesToRecovery_WhileAWithdrawalsReversalIsNeverShort()
    {
        var spender = (await _api!.OpenAccountAsync("spender")).Id;
        var deposit = await _api.DepositAsync(spender, 700);
        (await _api.Client.PostAsJsonAsync("/api/v1/withdrawals", new { accountId = spender, amount = 400, currency = "EUR" })).EnsureSuccessStatusCode();
        var atmUser = (await _api.OpenAccountAsync("atm-user")).Id;
        await _api.DepositAsync(atmUser, 1_000);
        var withdrawal = await _api.Client.PostAsJsonAsync("/api/v1/withdrawals", new { accountId = atmUser, amount = 300, currency = "EUR" });
        var withdrawalId = (await withdrawal.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["id"]!.GetValue<Guid>();

        var depositReversed = await _api.FinishedAsync((await _api.RequestReversalAsync(deposit.Id, reason: "cheque bounced")).Id);
        (await _api.GetAccountAsync(_recovery)).Balance.ShouldBe(-400);
        // The world account's balance is far below zero, yet it gives all of it: money comes back from outside the ledger.
        var withdrawalReversed = await _api.FinishedAsync((await _api.RequestReversalAsync(withdrawalId, reason: "ATM dispensed nothing")).Id);

        depositReversed.Status.ShouldBe("completed", depositReversed.FailureReason);
        withdrawalReversed.Status.ShouldBe("completed", withdrawalReversed.FailureReason);
        (await _api.GetAccountAsync(spender)).Balance.ShouldBe(0);
        (await _api.GetAccountAsync(atmUser)).Balance.ShouldBe(1_000);
        (await _api.GetAccountAsync(_recovery)).Balance.ShouldBe(-400);
        await _api.AssertLedgerInvariantsAsync();
    }
}
