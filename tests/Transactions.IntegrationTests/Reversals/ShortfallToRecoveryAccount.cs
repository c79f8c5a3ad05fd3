using System.Net.Http.Json;
using LedgerX.LocalDapr.Hosting;
using LedgerX.Testing;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Reversals;

/// <summary>The post-to-recovery-account shortfall policy: what the receiver still has is taken back, the rest is
/// debited from a receivable account, within that account's overdraft limit and never beyond it.</summary>
/// <remarks>The tests share one service (<see cref="RecoveryEnvironment"/>): each makes its own accounts and judges the
/// recovery account by how much its own reversals move it. The two shortfalls that are covered take 400 each, so
/// together they stay within the recovery account's 1,000 limit in any order, and the one that must exceed it (4,000)
/// exceeds it in any order.</remarks>
public sealed class ShortfallToRecoveryAccount(ShortfallToRecoveryAccount.RecoveryEnvironment environment)
    : IClassFixture<ShortfallToRecoveryAccount.RecoveryEnvironment>
{
    private SagaHost Api => environment.Api!;
    private Guid Recovery => environment.Recovery;

    /// <summary>A ledger with a recovery account, and the service (with its sidecar) configured to post shortfalls to it.</summary>
    public sealed class RecoveryEnvironment : IAsyncLifetime
    {
        private readonly string _resources = Directory.CreateTempSubdirectory("ledgerx-shortfall-").FullName;
        private readonly int _grpcPort = LedgerApi.FreePort();
        private string _database = "";
        private LocalDaprSidecar? _sidecar;

        public SagaHost? Api { get; private set; }

        public Guid Recovery { get; private set; }

        public async ValueTask InitializeAsync()
        {
            _database = await LedgerDatabases.CreateAsync("ledger");
            _sidecar = await SagaHost.StartSidecarAsync(_grpcPort, _resources);
            // The recovery account must exist before the service is configured to use it.
            await using (var setup = new SagaHost(_grpcPort, _database))
            {
                await setup.InitializeAsync();
                Recovery = (await setup.OpenAccountAsync("ledgerx:recovery", overdraftLimit: 1_000)).Id;
            }
            Api = new SagaHost(_grpcPort, _database)
            {
                ExtraSettings = new Dictionary<string, string?>
                {
                    ["Ledger:Reversals:ShortfallPolicy"] = "PostToRecoveryAccount",
                    ["Ledger:Reversals:RecoveryAccountId"] = Recovery.ToString(),
                },
            };
            await Api.InitializeAsync();
        }

        public async ValueTask DisposeAsync()
        {
            if (Api is not null)
            {
                await Api.DisposeAsync();
            }
            if (_sidecar is not null)
            {
                await _sidecar.DisposeAsync();
            }
            Npgsql.NpgsqlConnection.ClearAllPools();
            await TestPostgres.DropDatabaseAsync(_database);
            Directory.Delete(_resources, recursive: true);
        }
    }

    private async Task<(Guid Payer, Guid Receiver, Guid Entry)> TransferThenSpendAsync(long amount, long spent)
    {
        var payer = await Api.OpenAccountAsync("payer");
        var receiver = await Api.OpenAccountAsync("receiver");
        await Api.DepositAsync(payer.Id, amount);
        var response = await Api.Client.PostAsJsonAsync("/api/v1/transfers", new { fromAccountId = payer.Id, toAccountId = receiver.Id, amount, currency = "EUR" });
        var entry = (await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["id"]!.GetValue<Guid>();
        (await Api.Client.PostAsJsonAsync("/api/v1/withdrawals", new { accountId = receiver.Id, amount = spent, currency = "EUR" })).EnsureSuccessStatusCode();
        return (payer.Id, receiver.Id, entry);
    }

    [Fact]
    public async Task TheShortfallIsPostedToTheRecoveryAccount_AndThePayerIsMadeWhole()
    {
        var before = (await Api.GetAccountAsync(Recovery)).Balance;
        var (payer, receiver, entry) = await TransferThenSpendAsync(700, spent: 400);

        var done = await Api.FinishedAsync((await Api.RequestReversalAsync(entry)).Id);

        done.Status.ShouldBe("completed", done.FailureReason);
        (await Api.GetAccountAsync(payer)).Balance.ShouldBe(700);
        (await Api.GetAccountAsync(receiver)).Balance.ShouldBe(0);
        (await Api.GetAccountAsync(Recovery)).Balance.ShouldBe(before - 400);
        await Api.AssertLedgerInvariantsAsync();
    }

    [Fact]
    public async Task AShortfallBeyondTheRecoveryAccountsLimit_FailsAndReleasesTheHold()
    {
        var before = (await Api.GetAccountAsync(Recovery)).Balance;
        var (payer, receiver, entry) = await TransferThenSpendAsync(5_000, spent: 4_000);

        var done = await Api.FinishedAsync((await Api.RequestReversalAsync(entry)).Id);

        done.Status.ShouldBe("failed");
        done.FailureReason!.ShouldContain("insufficient_funds");
        done.Compensations.ShouldBe(["hold_voided"]);
        (await Api.GetAccountAsync(receiver)).Balance.ShouldBe(1_000);
        (await Api.GetAccountAsync(payer)).Balance.ShouldBe(0);
        (await Api.GetAccountAsync(Recovery)).Balance.ShouldBe(before);
        await Api.AssertLedgerInvariantsAsync();
    }

    [Fact]
    public async Task ASpentDepositsShortfallGoesToRecovery_WhileAWithdrawalsReversalIsNeverShort()
    {
        var before = (await Api.GetAccountAsync(Recovery)).Balance;
        var spender = (await Api.OpenAccountAsync("spender")).Id;
        var deposit = await Api.DepositAsync(spender, 700);
        (await Api.Client.PostAsJsonAsync("/api/v1/withdrawals", new { accountId = spender, amount = 400, currency = "EUR" })).EnsureSuccessStatusCode();
        var atmUser = (await Api.OpenAccountAsync("atm-user")).Id;
        await Api.DepositAsync(atmUser, 1_000);
        var withdrawal = await Api.Client.PostAsJsonAsync("/api/v1/withdrawals", new { accountId = atmUser, amount = 300, currency = "EUR" });
        var withdrawalId = (await withdrawal.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["id"]!.GetValue<Guid>();

        var depositReversed = await Api.FinishedAsync((await Api.RequestReversalAsync(deposit.Id, reason: "cheque bounced")).Id);
        (await Api.GetAccountAsync(Recovery)).Balance.ShouldBe(before - 400);
        // The world account's balance is far below zero, yet it gives all of it: money comes back from outside the ledger.
        var withdrawalReversed = await Api.FinishedAsync((await Api.RequestReversalAsync(withdrawalId, reason: "ATM dispensed nothing")).Id);

        depositReversed.Status.ShouldBe("completed", depositReversed.FailureReason);
        withdrawalReversed.Status.ShouldBe("completed", withdrawalReversed.FailureReason);
        (await Api.GetAccountAsync(spender)).Balance.ShouldBe(0);
        (await Api.GetAccountAsync(atmUser)).Balance.ShouldBe(1_000);
        (await Api.GetAccountAsync(Recovery)).Balance.ShouldBe(before - 400);
        await Api.AssertLedgerInvariantsAsync();
    }
}
