using System.Collections.Concurrent;
using Dapr.Workflow;
using LedgerX.LocalDapr.Workflow;

namespace LedgerX.LocalDapr.Tests.Workflow;

public sealed record SagaInput(string Account, int ApprovalTimeoutMs);

/// <summary>What the test workflows and activities observed, shared by every app (replica) of one test.</summary>
public sealed class WorkflowProbe
{
    private readonly ConcurrentDictionary<string, int> _hits = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _turnsInFlight = new(StringComparer.Ordinal);
    private int _overlaps;

    public int Hits(string key) => _hits.TryGetValue(key, out int n) ? n : 0;

    public int Hit(string key) => _hits.AddOrUpdate(key, 1, (_, n) => n + 1);

    /// <summary>Times a turn of one instance started while another turn of the same instance was running.</summary>
    public int Overlaps => Volatile.Read(ref _overlaps);

    public ConcurrentDictionary<string, int> ActivitiesByWorker { get; } = new(StringComparer.Ordinal);

    /// <summary>The "Hold" activity blocks until this completes: an activity caught in flight by a kill or restart.</summary>
    public TaskCompletionSource HoldRelease { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Called by workflow code at each new (non-replayed) step: holds the turn open for a moment and counts
    /// any other turn of the same instance running at the same time, which the engine must never allow.
    /// </summary>
    public void InTurn(WorkflowContext context)
    {
        if (context.IsReplaying)
        {
            return;
        }

        if (_turnsInFlight.AddOrUpdate(context.InstanceId, 1, (_, n) => n + 1) > 1)
        {
            Interlocked.Increment(ref _overlaps);
        }

        Thread.Sleep(15);
        _turnsInFlight.AddOrUpdate(context.InstanceId, 0, (_, n) => n - 1);
    }
}

/// <summary>The workflows and activities the tests drive through the real SDK.</summary>
public static class TestWorkflows
{
    public static readonly WorkflowRetryPolicy ThreeAttempts = new(maxNumberOfAttempts: 3, firstRetryInterval: TimeSpan.FromMilliseconds(100));

    public static void Register(WorkflowRuntimeOptions o, WorkflowProbe probe, string worker = "app")
    {
        foreach (string step in new[] { "A", "B", "C" })
        {
            o.RegisterActivity<string, string>(step, (ctx, text) =>
            {
                probe.Hit($"{step}:{ctx.InstanceId}");
                probe.ActivitiesByWorker.AddOrUpdate(worker, 1, (_, n) => n + 1);
                return Task.FromResult(text + step);
            });
        }

        // Fails twice per instance, then succeeds: only the SDK's retry policy (durable timers) gets it through.
        o.RegisterActivity<string, string>("Flaky", (ctx, account) =>
        {
            int attempt = probe.Hit($"Flaky:{ctx.InstanceId}");
            return attempt < 3 ? throw new InvalidOperationException($"attempt {attempt} failed") : Task.FromResult($"validated-{account}-after-{attempt}");
        });
        o.RegisterActivity<string, string>("Compensate", (ctx, reason) =>
        {
            probe.Hit($"Compensate:{ctx.InstanceId}");
            return Task.FromResult("voided");
        });
        o.RegisterActivity<string, string>("Hold", async (ctx, text) =>
        {
            probe.Hit($"Hold:{ctx.InstanceId}");
            probe.Hit($"Hold@{worker}");
            await probe.HoldRelease.Task;
            return text + "H";
        });
        o.RegisterActivity<string, string>("Boom", (_, _) => throw new InvalidOperationException("boom: posting rejected"));

        o.RegisterWorkflow<string, string>("Sequential", async (ctx, input) =>
        {
            string a = await ctx.CallActivityAsync<string>("A", input);
            probe.InTurn(ctx);
            string b = await ctx.CallActivityAsync<string>("B", a);
            probe.InTurn(ctx);
            string c = await ctx.CallActivityAsync<string>("C", b);
            probe.InTurn(ctx);
            return c;
        });

        // The reversal saga's shape: retried validation, a durable timer, an approval with a timeout, a child
        // workflow, and a compensation path when the approval does not come.
        o.RegisterWorkflow<SagaInput, string>("Saga", async (ctx, input) =>
        {
            ctx.SetCustomStatus("validating");
            string validated = await ctx.CallActivityAsync<string>("Flaky", input.Account, new WorkflowTaskOptions(ThreeAttempts));
            await ctx.CreateTimer(TimeSpan.FromMilliseconds(200));
            ctx.SetCustomStatus("awaiting-approval");
            string decision;
            try
            {
                decision = await ctx.WaitForExternalEventAsync<string>("approval", TimeSpan.FromMilliseconds(input.ApprovalTimeoutMs));
            }
            catch (TaskCanceledException)
            {
                decision = "timeout";
            }

            if (decision != "approved")
            {
                ctx.SetCustomStatus("compensating");
                string voided = await ctx.CallActivityAsync<string>("Compensate", decision);
                return $"compensated:{decision}:{voided}";
            }

            ctx.SetCustomStatus("posting");
            string posted = await ctx.CallChildWorkflowAsync<string>("Sequential", validated + ":", new ChildWorkflowTaskOptions(InstanceId: ctx.InstanceId + "-post"));
            ctx.SetCustomStatus("done");
            return $"done:{posted}";
        });

        o.RegisterWorkflow<int, int>("Counter", async (ctx, n) =>
        {
            await ctx.CallActivityAsync<string>("A", n.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (n < 3)
            {
                ctx.ContinueAsNew(n + 1);
                return 0;
            }

            return n;
        });

        o.RegisterWorkflow<string, string>("Failing", async (ctx, input) =>
        {
            await ctx.CallActivityAsync<string>("A", input);
            return await ctx.CallActivityAsync<string>("Boom", input);
        });

        // IsPatched is evaluated in the first turn and replayed in the last: it must answer the same both times.
        o.RegisterWorkflow<string, string>("Patched", async (ctx, input) =>
        {
            bool patched = ctx.IsPatched("fee-v2");
            string a = await ctx.CallActivityAsync<string>("A", input);
            string b = await ctx.CallActivityAsync<string>("B", a);
            return $"{b}:{patched}";
        });

        o.RegisterWorkflow<string, string>("HoldThenB", async (ctx, input) =>
        {
            string held = await ctx.CallActivityAsync<string>("Hold", input);
            return await ctx.CallActivityAsync<string>("B", held);
        });

        // Fan-out/fan-in: results arrive while other turns are in flight and must all reach the workflow.
        o.RegisterWorkflow<int, string>("FanOut", async (ctx, count) =>
        {
            var calls = Enumerable.Range(0, count).Select(i => ctx.CallActivityAsync<string>("A", i.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":")).ToList();
            string[] results = await Task.WhenAll(calls);
            return string.Join(",", results);
        });

        o.RegisterWorkflow<string, string>("ParentOfFailing", async (ctx, input) =>
        {
            try
            {
                return await ctx.CallChildWorkflowAsync<string>("Failing", input);
            }
            catch (WorkflowTaskFailedException ex)
            {
                return $"child failed: {ex.FailureDetails.ErrorMessage}";
            }
        });

        o.RegisterWorkflow<string, string>("SendGo", (ctx, target) =>
        {
            ctx.SendEvent(target, "go", "from-a-workflow");
            return Task.FromResult("sent");
        });

        o.RegisterWorkflow<string, string>("WaitForGo", async (ctx, input) =>
        {
            string go = await ctx.WaitForExternalEventAsync<string>("go");
            return input + go;
        });

        o.RegisterWorkflow<string, string>("ParentOfWaiter", async (ctx, input) =>
            await ctx.CallChildWorkflowAsync<string>("WaitForGo", input, new ChildWorkflowTaskOptions(InstanceId: ctx.InstanceId + "-child")));

        // A, a durable timer of the given length, then B: long enough to kill the app or the sidecar in between.
        o.RegisterWorkflow<int, string>("SlowSequence", async (ctx, timerMs) =>
        {
            string a = await ctx.CallActivityAsync<string>("A", "");
            ctx.SetCustomStatus("sleeping");
            await ctx.CreateTimer(TimeSpan.FromMilliseconds(timerMs));
            string b = await ctx.CallActivityAsync<string>("B", a);
            return b;
        });
    }
}

/// <summary>An in-memory engine and one SDK app, shared by the tests of a class.</summary>
public sealed class InMemoryWorkflowEnvironment : IAsyncLifetime
{
    public WorkflowProbe Probe { get; } = new();

    public WorkflowEngineHost Engine { get; private set; } = null!;

    public WorkflowApp App { get; private set; } = null!;

    public DaprWorkflowClient Client => App.Client;

    public async ValueTask InitializeAsync()
    {
        Engine = await WorkflowEngineHost.StartAsync(new InMemoryWorkflowStore(), finishedRetention: TimeSpan.Zero);
        App = await WorkflowApp.StartAsync(Engine.Endpoint, o => TestWorkflows.Register(o, Probe));
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Engine.DisposeAsync();
    }
}
