using System.Net;
using System.Text.Json.Nodes;
using LedgerX.Cli.Chaos.Load;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Workflow;

namespace LedgerX.Cli.Chaos.Faults;

/// <summary>
/// Clock skew of a workflow timer. Reversal sagas above the approval threshold wait for a decision with a durable timer
/// (the chaos system's approval timeout, <see cref="ChaosSystem.ApprovalTimeout"/>). With such sagas waiting,
/// transaction-service's sidecar is restarted on a clock <see cref="Skew"/> ahead — past their due time, as daprd
/// restarted on a node whose clock jumped — and then restarted again on the true clock. daprd fires a timer by the
/// wall clock of the sidecar that holds it, so the timers fire at once: each saga must end exactly once, failed with
/// "approval timed out", its hold released (the money invariants check that nothing moved twice).
/// </summary>
internal sealed class WorkflowClockSkew(TimeProvider clock) : ChaosFault
{
    /// <summary>Past the approval timeout, so every waiting timer is due the moment the skewed sidecar loads it.</summary>
    public static readonly TimeSpan Skew = ChaosSystem.ApprovalTimeout + TimeSpan.FromMinutes(1);

    private const int Sagas = 3;
    private const string Currency = "EUR";
    private const long Amount = 1_500_000;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    public override string Name => "clock-skew-" + ChaosSystem.LedgerAppId;

    public override string Description =>
        $"{Sagas} reversals awaiting approval; {ChaosSystem.LedgerAppId}'s sidecar restarted with its clock {Skew.TotalMinutes:F0} min ahead " +
        "(their timers due), then on the true clock; each saga must time out exactly once";

    public override IReadOnlyList<string> Down => [ChaosSystem.LedgerAppId];

    public override async Task InjectAsync(ChaosSystem system, CancellationToken ct)
    {
        using var http = await system.MachineClientAsync(TimeSpan.FromSeconds(10), ct);
        var reversals = await WaitingReversalsAsync(http, ct);
        await using (var store = await PostgresWorkflowStore.OpenAsync(system.WorkflowStoreConnectionString, ChaosSystem.LedgerAppId, ct))
        {
            foreach (var id in reversals)
            {
                await ApprovalTimerPersistedAsync(store, id, ct);
            }
        }

        await RestartSidecarAsync(system, new SkewedTimeProvider(Skew), ct);
        try
        {
            foreach (var id in reversals)
            {
                await TimedOutOnceAsync(http, id, ct);
            }
        }
        finally
        {
            await RestartSidecarAsync(system, clock: null, CancellationToken.None);
        }
    }

    private static async Task RestartSidecarAsync(ChaosSystem system, TimeProvider? clock, CancellationToken ct)
    {
        await system.Control.StopSidecarAsync(ChaosSystem.LedgerAppId);
        await system.Control.StartSidecarAsync(ChaosSystem.LedgerAppId, ct, clock);
    }

    /// <summary>Two accounts of the fault's own, <see cref="Sagas"/> transfers above the threshold between them, and a
    /// reversal of each, waited for until its saga waits for approval.</summary>
    private async Task<IReadOnlyList<Guid>> WaitingReversalsAsync(HttpClient http, CancellationToken ct)
    {
        var from = await GatewayCommands.CreateAsync(http, "/api/v1/accounts", new { currency = Currency }, ct);
        var to = await GatewayCommands.CreateAsync(http, "/api/v1/accounts", new { currency = Currency }, ct);
        await GatewayCommands.CreateAsync(http, "/api/v1/deposits", new { accountId = from, amount = Amount * Sagas, currency = Currency }, ct);
        var reversals = new List<Guid>();
        for (int i = 0; i < Sagas; i++)
        {
            var entry = await GatewayCommands.CreateAsync(http, "/api/v1/transfers", new { fromAccountId = from, toAccountId = to, amount = Amount, currency = Currency }, ct);
            reversals.Add(await GatewayCommands.PostForIdAsync(http, "/api/v1/reversals", new { entryId = entry, reason = "chaos: clock skew of a workflow timer" },
                HttpStatusCode.Accepted, ct));
        }

        foreach (var id in reversals)
        {
            await UntilAsync(http, id, r => r["status"]?.GetValue<string>() == "awaiting_approval", "awaiting_approval", ct);
        }

        return reversals;
    }

    /// <summary>
    /// Waits until the saga's approval timer is durable: its <c>TimerCreated</c> is in the instance's saved history (the
    /// workflow store's row; the instance id is the reversal id) and has not fired. The saga reads
    /// <c>awaiting_approval</c> a workflow turn or two before that (the step record and the recorded-decision read are
    /// activities that run first); a restart in between would let the saga create its timer on the skewed clock, due
    /// only 10 minutes after that. Only a timer in the saved history is re-armed by the restarted sidecar from its due
    /// time, which the skewed clock has passed.
    /// </summary>
    private async Task<DateTimeOffset> ApprovalTimerPersistedAsync(IWorkflowStore store, Guid reversal, CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        var found = "no instance";
        while (clock.GetElapsedTime(started) < Patience)
        {
            var now = clock.GetUtcNow();
            var record = await store.LoadAsync(reversal.ToString(), ct);
            if (record is not null && ApprovalTimer(record, now) is { } fireAt)
            {
                return fireAt <= now + Skew
                    ? fireAt
                    : throw new InvalidOperationException($"reversal {reversal}'s approval timer fires at {fireAt:O}, which a clock {Skew.TotalMinutes:F0} min ahead has not reached");
            }

            found = record is null ? "no instance" : $"{record.History.Count} history events, no pending approval timer";
            await Task.Delay(Poll, clock, ct);
        }

        throw new TimeoutException($"reversal {reversal}'s approval timer was not in the workflow store within {Patience.TotalSeconds:F0}s ({found})");
    }

    /// <summary>
    /// The due time of the instance's pending approval timer: a <c>TimerCreated</c> in the history with no
    /// <c>TimerFired</c> for it (in history or inbox), at least half the approval timeout away. Shorter timers are the
    /// SDK's activity retries; nothing else in the saga before the decision waits that long.
    /// </summary>
    public static DateTimeOffset? ApprovalTimer(WorkflowRecord record, DateTimeOffset now)
    {
        var fired = record.History.Concat(record.Inbox).Where(e => e.TimerFired is not null).Select(e => e.TimerFired.TimerId).ToHashSet();
        return record.History
            .Where(e => e.TimerCreated is not null && !fired.Contains(e.EventId))
            .Select(e => (DateTimeOffset?)e.TimerCreated.FireAt.ToDateTimeOffset())
            .Where(fireAt => fireAt - now >= ChaosSystem.ApprovalTimeout / 2)
            .Max();
    }

    private async Task TimedOutOnceAsync(HttpClient http, Guid id, CancellationToken ct)
    {
        var reversal = await UntilAsync(http, id, r => r["status"]?.GetValue<string>() is "failed" or "completed", "failed", ct);
        var timedOut = reversal["steps"]!.AsArray().Count(s => s!["outcome"]!.GetValue<string>() == "timed_out");
        if (reversal["status"]!.GetValue<string>() != "failed" || timedOut != 1)
        {
            throw new InvalidOperationException(
                $"reversal {id} ended {reversal["status"]} with {timedOut} timed_out step(s), not failed with one: {reversal.ToJsonString()}");
        }
    }

    private async Task<JsonNode> UntilAsync(HttpClient http, Guid id, Func<JsonNode, bool> done, string expected, CancellationToken ct)
    {
        var deadline = clock.GetTimestamp();
        JsonNode? last = null;
        while (clock.GetElapsedTime(deadline) < Patience)
        {
            using var response = await http.GetAsync($"/api/v1/reversals/{id}", ct);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                last = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
                if (done(last))
                {
                    return last;
                }
            }

            await Task.Delay(Poll, clock, ct);
        }

        throw new TimeoutException($"reversal {id} was not {expected} within {Patience.TotalSeconds:F0}s: {last?.ToJsonString() ?? "never read"}");
    }
}
