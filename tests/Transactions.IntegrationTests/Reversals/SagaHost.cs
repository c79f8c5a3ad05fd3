using System.Net;
using System.Net.Http.Json;
using LedgerX.LocalDapr.Hosting;
using LedgerX.Testing;
using LedgerX.Transactions.Api.Apis;
using LedgerX.Transactions.Api.Reversals;
using LedgerX.Transactions.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Transactions.IntegrationTests.Reversals;

/// <summary>
/// transaction-service with its reversal saga running on the local sidecar's workflow engine: short approval
/// timeout, quick step retries, and <see cref="FaultInjectingSteps"/> around the real steps (test host only).
/// </summary>
public class SagaHost : LedgerApi
{
    public const long ApprovalThreshold = 10_000;

    public SagaHost(int sidecarGrpcPort) : base(sidecarGrpcPort)
    {
    }

    public SagaHost(int sidecarGrpcPort, string existingDatabase) : base(sidecarGrpcPort, existingDatabase)
    {
    }

    /// <summary>Short by default, so the timeout test is quick.</summary>
    public int ApprovalTimeoutMs { get; init; } = 1500;

    /// <summary>Shared by every host of a test, so a test can make a step stall in one host and not in its replacement.</summary>
    public StepStalls Stalls { get; init; } = new();

    /// <summary>Long by default, so the sweeper leaves healthy sagas of the other tests alone; a sweeper test shortens it.</summary>
    public int SweepStaleAfterMs { get; init; } = 60_000;

    /// <summary>False: the sagas of accepted reversals are queued and never scheduled, as when the process dies between a
    /// reversal's 202 and its saga's start (the background <see cref="ReversalSagaStarter"/> is not run).</summary>
    public bool SchedulesSagas { get; init; } = true;

    /// <summary>Settings on top of the saga defaults below (e.g. a shortfall policy).</summary>
    public IReadOnlyDictionary<string, string?> ExtraSettings { get; init; } = new Dictionary<string, string?>();

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(ExtraSettings.Concat(SagaDefaults.Where(d => !ExtraSettings.ContainsKey(d.Key))));

    private Dictionary<string, string?> SagaDefaults => new()
    {
        ["Ledger:Reversals:ApprovalThreshold"] = ApprovalThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Ledger:Reversals:ApprovalTimeoutMs"] = ApprovalTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Ledger:Reversals:StepAttempts"] = "2",
        ["Ledger:Reversals:StepRetryFirstIntervalMs"] = "50",
        ["Ledger:Reversals:StepRetryMaxIntervalMs"] = "100",
        ["Ledger:Reversals:ForwardRetryIntervalMs"] = "100",
        ["Ledger:Reversals:ForwardRounds"] = "50",
        ["Ledger:Reversals:SidecarCallTimeoutMs"] = "1500",
        ["Ledger:Reversals:SweepIntervalMs"] = "200",
        ["Ledger:Reversals:SweepStaleAfterMs"] = SweepStaleAfterMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        // The SDK logs every injected activity failure as an error; the tests assert on outcomes instead.
        ["Serilog:MinimumLevel:Override:Dapr.Workflow"] = "Fatal",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<ReversalSteps>();
            services.AddSingleton(Stalls);
            services.AddSingleton<IReversalSteps>(sp => new FaultInjectingSteps(sp.GetRequiredService<ReversalSteps>(), Stalls));
            if (!SchedulesSagas)
            {
                services.Remove(services.Single(d => d.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService)
                                                     && d.ImplementationType == typeof(ReversalSagaStarter)));
            }
        });
    }

    public async Task<ReversalResponse> RequestReversalAsync(Guid entryId, long? amount = null, string reason = "customer dispute", string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/reversals") { Content = JsonContent.Create(new { entryId, amount, reason }) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }
        var response = await Client.SendAsync(request);
        await ExpectAsync(response, HttpStatusCode.Accepted);
        response.Headers.Location!.ToString().ShouldStartWith("/api/v1/reversals/");
        return (await response.Content.ReadFromJsonAsync<ReversalResponse>(Json))!;
    }

    public async Task<ReversalResponse> GetReversalAsync(Guid id) =>
        (await Client.GetFromJsonAsync<ReversalResponse>($"/api/v1/reversals/{id}", Json))!;

    /// <summary>Polls until the reversal is completed or failed.</summary>
    public Task<ReversalResponse> FinishedAsync(Guid id) => WaitForAsync(id, r => r.Status is "completed" or "failed");

    /// <summary>Polls until <paramref name="condition"/> holds. The deadline is a hang guard, not a timing: at load average
    /// 50-67 (the suite beside parallel builds) a saga had not recorded its first step 30 s after its 202, and the
    /// approval tests failed waiting for <c>awaiting_approval</c>; a quiet machine gets there in well under a second.</summary>
    public async Task<ReversalResponse> WaitForAsync(Guid id, Func<ReversalResponse, bool> condition, int seconds = 120)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var reversal = await GetReversalAsync(id);
            if (condition(reversal))
            {
                return reversal;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Reversal {id} is still {reversal.Status} after {seconds} s: {System.Text.Json.JsonSerializer.Serialize(reversal)}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>The invariants every saga outcome must leave: Σ balances per currency = 0, no pending saga hold, verify clean.</summary>
    public async Task AssertLedgerInvariantsAsync()
    {
        (await ScalarAsync<long>("SELECT count(*) FROM (SELECT currency FROM accounts GROUP BY currency HAVING sum(balance) <> 0) unbalanced")).ShouldBe(0);
        (await ScalarAsync<long>("SELECT count(*) FROM holds WHERE status = 'pending' AND description LIKE 'reversal %'")).ShouldBe(0);
        var report = await VerifyAsync();
        report.Ok.ShouldBeTrue($"verify: {report.FirstDiscrepancy}");
    }

    /// <summary>A local sidecar for transaction-service whose workflow state lives in the given actor state store.</summary>
    public static Task<LocalDaprSidecar> StartSidecarAsync(int grpcPort, string resources, string? postgresActorStore = null) =>
        WorkflowSidecar.StartAsync(
            "transaction-service",
            new SidecarPorts(Http: FreePort(), Grpc: grpcPort),
            postgresActorStore is null ? ActorStore.InMemory : ActorStore.Postgres(postgresActorStore),
            resources);
}

/// <summary>Steps that stall in one host: a test can hold a step open to kill its host mid-saga.</summary>
public sealed class StepStalls
{
    /// <summary>Step name → released when the test lets it go on (then the stalled run throws, like a dying process).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> AfterCommit { get; } = new();

    /// <summary>(reversal, step) → attempts so far, for "fail:step:N" (the first N attempts throw).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<(Guid, string), int> Attempts { get; } = new();

    /// <summary>Reversals whose step records fail ("records-fail").</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<Guid, bool> RecordsFail { get; } = new();

    public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// The test-only seam: a decorator around the real steps that fails a step when the reversal's reason (space-separated
/// faults) asks for it
/// ("fail:post" throws before the post step does anything, every attempt; "fail:notify:3" only the first 3 attempts;
/// "fail-after:post" throws after the step committed, every attempt),
/// or stalls after a step committed. With a <see cref="SagaTimeline"/> (the throughput harness) it marks when each step
/// ran.
/// </summary>
public sealed class FaultInjectingSteps(IReversalSteps inner, StepStalls stalls, SagaTimeline? timeline = null) : IReversalSteps
{
    public Task<StepOutcome> ValidateAsync(SagaProgress saga, CancellationToken ct) => Run(saga, SagaSteps.Validate, () => inner.ValidateAsync(saga, ct));
    public Task<StepOutcome> HoldFundsAsync(SagaProgress saga, CancellationToken ct) => Run(saga, SagaSteps.Hold, () => inner.HoldFundsAsync(saga, ct));
    public Task<StepOutcome> PostAsync(SagaProgress saga, CancellationToken ct) => Run(saga, SagaSteps.Post, () => inner.PostAsync(saga, ct));
    public Task<StepOutcome> NotifyAsync(SagaProgress saga, CancellationToken ct) => Run(saga, SagaSteps.Notify, () => inner.NotifyAsync(saga, ct));
    public Task<StepOutcome> VoidHoldAsync(SagaProgress saga, CancellationToken ct) => Run(saga, SagaSteps.VoidHold, () => inner.VoidHoldAsync(saga, ct));
    public Task<StepOutcome> CompensateEntryAsync(SagaProgress saga, CancellationToken ct) =>
        Run(saga, SagaSteps.CompensateEntry, () => inner.CompensateEntryAsync(saga, ct));
    public Task<StepOutcome> FailAsync(SagaProgress saga, CancellationToken ct) => Run(saga, SagaSteps.Fail, () => inner.FailAsync(saga, ct));
    /// <summary>"records-fail": every step record of the workflow (the read model) throws, as in a database blip.</summary>
    public Task RecordAsync(StepRecord record, CancellationToken ct) =>
        stalls.RecordsFail.ContainsKey(record.ReversalId) ? throw new InvalidOperationException("injected failure recording a step") : inner.RecordAsync(record, ct);

    public Task<ApprovalDecision?> RecordedDecisionAsync(Guid reversalId, CancellationToken ct) => inner.RecordedDecisionAsync(reversalId, ct);

    private async Task<StepOutcome> Run(SagaProgress saga, string step, Func<Task<StepOutcome>> run)
    {
        var faults = saga.Reversal.Reason.Split(' ');
        if (faults.Contains("records-fail"))
        {
            stalls.RecordsFail[saga.Reversal.ReversalId] = true;
        }
        if (faults.Contains($"fail:{step}"))
        {
            throw new InvalidOperationException($"injected failure at {step}");
        }
        if (faults.FirstOrDefault(f => f.StartsWith($"fail:{step}:", StringComparison.Ordinal)) is { } transient
            && stalls.Attempts.AddOrUpdate((saga.Reversal.ReversalId, step), 1, (_, n) => n + 1)
               <= int.Parse(transient[$"fail:{step}:".Length..], System.Globalization.CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException($"injected transient failure at {step}");
        }
        timeline?.Mark(saga.Reversal.ReversalId, $"{step} starts");
        var outcome = await run();
        timeline?.Mark(saga.Reversal.ReversalId, $"{step} ends");
        if (faults.Contains($"fail-after:{step}"))
        {
            throw new InvalidOperationException($"injected failure after {step} committed");
        }
        if (faults.Contains($"stall:{step}") && stalls.AfterCommit.TryGetValue(step, out var release))
        {
            stalls.Reached.TrySetResult();
            await release.Task;
            throw new OperationCanceledException($"the host running {step} died after its commit");
        }
        return outcome;
    }
}
