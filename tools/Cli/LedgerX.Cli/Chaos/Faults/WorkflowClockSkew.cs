using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.LocalDapr.Hosting;

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
        var from = await CreatedIdAsync(http, "/api/v1/accounts", new { currency = Currency }, ct);
        var to = await CreatedIdAsync(http, "/api/v1/accounts", new { currency = Currency }, ct);
        await CreatedIdAsync(http, "/api/v1/deposits", new { accountId = from, amount = Amount * Sagas, currency = Currency }, ct);
        var reversals = new List<Guid>();
        for (int i = 0; i < Sagas; i++)
        {
            var entry = await CreatedIdAsync(http, "/api/v1/transfers", new { fromAccountId = from, toAccountId = to, amount = Amount, currency = Currency }, ct);
            reversals.Add(await SendAsync(http, "/api/v1/reversals", new { entryId = entry, reason = "chaos: clock skew of a workflow timer" }, HttpStatusCode.Accepted, ct));
        }

        foreach (var id in reversals)
        {
            await UntilAsync(http, id, r => r["status"]?.GetValue<string>() == "awaiting_approval", "awaiting_approval", ct);
        }

        return reversals;
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

    private static async Task<Guid> CreatedIdAsync(HttpClient http, string path, object body, CancellationToken ct) =>
        await SendAsync(http, path, body, HttpStatusCode.Created, ct);

    private static async Task<Guid> SendAsync(HttpClient http, string path, object body, HttpStatusCode expected, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return response.StatusCode == expected && JsonNode.Parse(text)?["id"]?.GetValue<string>() is { } id
            ? Guid.Parse(id)
            : throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}, expected {(int)expected}: {text}");
    }
}
