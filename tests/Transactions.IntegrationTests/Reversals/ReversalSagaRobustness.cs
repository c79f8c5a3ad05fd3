using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Transactions.Api.Reversals;
using LedgerX.Transactions.IntegrationTests.Infrastructure;
using Npgsql;

namespace LedgerX.Transactions.IntegrationTests.Reversals;

/// <summary>
/// Issue 11 item 5: infrastructure failures must not strand a reversal. A step after the pivot only retries forward, a
/// failing step record never skips compensation, and a database that refuses connections for a while still leaves every
/// reversal finished with the right compensation.
/// </summary>
public sealed class ReversalSagaRobustness(PatientApprovalEnvironment environment) : IClassFixture<PatientApprovalEnvironment>
{
    private SagaHost Api => environment.Api;

    private async Task<(Guid Payer, Guid Receiver, Guid Entry)> TransferAsync(long amount)
    {
        var payer = (await Api.OpenAccountAsync("payer")).Id;
        var receiver = (await Api.OpenAccountAsync("receiver")).Id;
        await Api.DepositAsync(payer, amount);
        var response = await Api.Client.PostAsJsonAsync("/api/v1/transfers", new { fromAccountId = payer, toAccountId = receiver, amount, currency = "EUR" });
        await LedgerApi.ExpectAsync(response, HttpStatusCode.Created);
        return (payer, receiver, (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>());
    }

    /// <summary>Before: a notify that failed its attempts compensated the completed reversal (the money moved back).
    /// Now it is retried in rounds until it succeeds (5 failures: more than one round of the host's 2 attempts).</summary>
    [Fact]
    public async Task NotifyFailingAfterThePost_RetriesForward_AndTheReversalCompletes()
    {
        var (payer, receiver, entry) = await TransferAsync(600);

        var accepted = await Api.RequestReversalAsync(entry, reason: "fail:notify:5");
        // The reversal shows completed when the notify step's event commits, and the step's own record follows it.
        var done = await Api.WaitForAsync(accepted.Id, r => r.Status == "failed" || (r.Status == "completed" && r.Steps.Any(s => s.Name == "notify" && s.Outcome != "retrying")));

        done.Status.ShouldBe("completed", done.FailureReason);
        done.Compensations.ShouldBeEmpty();
        done.Steps.Single(s => s.Name == "notify").Outcome.ShouldBe("succeeded");
        (await Api.ScalarAsync<long>($"SELECT count(*) FROM journal_entries WHERE reverses_entry_id = '{entry}'")).ShouldBe(1);
        (await Api.ScalarAsync<long>($"SELECT count(*) FROM journal_entries WHERE reverses_entry_id = '{done.ReversalEntryId}'")).ShouldBe(0);
        (await Api.GetAccountAsync(receiver)).Balance.ShouldBe(0);
        (await Api.GetAccountAsync(payer)).Balance.ShouldBe(600);
        await Api.AssertLedgerInvariantsAsync();
    }

    /// <summary>Before: the failed step's record threw out of the workflow, which ended Failed with no compensation; the
    /// hold stayed for 7 days and the reversal pending for good.</summary>
    [Fact]
    public async Task AFailedStepWhoseRecordFailsToo_IsStillCompensated_AndTheReversalFails()
    {
        var (payer, receiver, entry) = await TransferAsync(700);

        var done = await Api.FinishedAsync((await Api.RequestReversalAsync(entry, reason: "fail:post records-fail")).Id);

        done.Status.ShouldBe("failed");
        done.Compensations.ShouldBe([Compensations.HoldVoided]);
        var account = await Api.GetAccountAsync(receiver);
        (account.Balance, account.HeldAmount).ShouldBe((700, 0));
        (await Api.GetAccountAsync(payer)).Balance.ShouldBe(0);
        await Api.AssertLedgerInvariantsAsync();
    }

    /// <summary>A real outage: the ledger database refuses every connection for four seconds while four approved sagas
    /// are between their hold and their post (the stall seam keeps them there until the outage begins), so their
    /// retries, records and compensations all meet the outage. Every reversal still ends completed or failed, and a
    /// failed one has undone everything it did. Before: the failed step's record threw out of the workflow and the
    /// reversals stayed pending with their holds.</summary>
    [Fact]
    public async Task ADatabaseThatRefusesConnectionsForAWhile_LeavesEveryReversalFinished_WithTheRightCompensation()
    {
        var amount = SagaHost.ApprovalThreshold + 1;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Api.Stalls.AfterCommit[SagaSteps.Hold] = release;
        var transfers = new List<(Guid Payer, Guid Receiver, Guid Entry)>();
        var reversals = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            var transfer = await TransferAsync(amount);
            transfers.Add(transfer);
            var reversal = (await Api.RequestReversalAsync(transfer.Entry, reason: "stall:hold")).Id;
            await Api.WaitForAsync(reversal, r => r.Status == "awaiting_approval");
            await LedgerApi.ExpectAsync(await Api.Client.PostAsJsonAsync($"/api/v1/reversals/{reversal}/approval", new { approved = true }),
                HttpStatusCode.Accepted);
            reversals.Add(reversal);
        }
        var ids = string.Join(",", reversals.Select(r => $"'{r}'"));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await Api.ScalarAsync<long>($"SELECT count(*) FROM holds WHERE reversal_id IN ({ids})") < reversals.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        await RefuseConnectionsAsync(TimeSpan.FromSeconds(4), whileRefusing: () =>
        {
            // The stalled runs now fail like dying hosts; their retries meet the outage.
            Api.Stalls.AfterCommit.TryRemove(SagaSteps.Hold, out _);
            release.SetResult();
        });

        for (var i = 0; i < reversals.Count; i++)
        {
            var done = await Api.WaitForAsync(reversals[i], r => r.Status is "completed" or "failed", seconds: 60);
            var receiver = await Api.GetAccountAsync(transfers[i].Receiver);
            var payer = await Api.GetAccountAsync(transfers[i].Payer);
            if (done.Status == "completed")
            {
                (receiver.Balance, receiver.HeldAmount, payer.Balance).ShouldBe((0, 0, amount));
            }
            else
            {
                (receiver.Balance, receiver.HeldAmount, payer.Balance).ShouldBe((amount, 0, 0), done.FailureReason);
            }
        }
        await Api.AssertLedgerInvariantsAsync();
    }

    /// <summary>Blocks new connections to the service's database and ends the ones it has, then lets them in again.</summary>
    private async Task RefuseConnectionsAsync(TimeSpan outage, Action whileRefusing)
    {
        var ledger = new NpgsqlConnectionStringBuilder(Api.ConnectionString);
        var admin = new NpgsqlConnectionStringBuilder(Api.ConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        async Task Run(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
        await Run($"ALTER DATABASE \"{ledger.Database}\" ALLOW_CONNECTIONS false");
        try
        {
            await Run($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{ledger.Database}'");
            whileRefusing();
            await Task.Delay(outage);
        }
        finally
        {
            await Run($"ALTER DATABASE \"{ledger.Database}\" ALLOW_CONNECTIONS true");
            // The test's own pooled connections to the ledger were ended too.
            NpgsqlConnection.ClearPool(new NpgsqlConnection(Api.ConnectionString));
        }
    }
}
