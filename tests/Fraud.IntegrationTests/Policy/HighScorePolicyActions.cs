using System.Collections.Concurrent;
using System.Net;
using LedgerX.Fraud.Api.Infrastructure;
using LedgerX.Fraud.Api.Infrastructure.Persistence;
using LedgerX.Fraud.Api.Policy;
using LedgerX.Fraud.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Refit;

namespace LedgerX.Fraud.IntegrationTests.Policy;

/// <summary>
/// The policy worker against a scripted transaction-service: retries what may succeed later (5xx, transport errors),
/// gives up at once on a refusal (4xx), and sends the same Idempotency-Key on every attempt. (The freeze against the
/// real ledger is in ScriptedScenarios.)
/// </summary>
public sealed class HighScorePolicyActions : IAsyncLifetime
{
    private readonly ScriptedLedger _ledger = new();
    private FraudApp _app = null!;

    public async ValueTask InitializeAsync()
    {
        _app = new FraudApp(SidecarPorts.Free(), new Dictionary<string, string?> { ["Fraud:Dispatch:MaxActionAttempts"] = "3" },
            services: s => s.AddSingleton<ITransactionServiceClient>(_ledger));
        await _app.StartAsync();
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task AFreeze_IsRetriedThroughUnavailability_WithOneIdempotencyKey_UntilDone()
    {
        var alert = NewPendingAlert("freeze");
        _ledger.Script(alert.AccountId, [HttpStatusCode.ServiceUnavailable, null, HttpStatusCode.OK]);
        await InsertAsync(alert);

        var done = await WaitForActionAsync(alert.Id, ActionStatus.Done);

        done.ActionAttempts.ShouldBe(3);
        done.ActionLastError.ShouldBeNull();
        var calls = _ledger.Calls.Where(c => c.Target == alert.AccountId).ToList();
        calls.Count.ShouldBe(3);
        calls.Select(c => c.IdempotencyKey).Distinct().Single().ShouldBe($"fraud-alert-{alert.Id}-freeze");
        calls.ShouldAllBe(c => c.Kind == "freeze" && c.Reason.Contains(alert.Id.ToString()));
    }

    [Fact]
    public async Task AReversalRefusedWithA4xx_FailsAtOnce_AndSaysWhy()
    {
        var alert = NewPendingAlert("reverse");
        _ledger.Script(alert.EntryId!.Value, [HttpStatusCode.NotFound]);
        await InsertAsync(alert);

        var failed = await WaitForActionAsync(alert.Id, ActionStatus.Failed);

        failed.ActionAttempts.ShouldBe(1);
        failed.ActionLastError.ShouldNotBeNull().ShouldStartWith("404");
        var call = _ledger.Calls.Single(c => c.Target == alert.EntryId);
        call.Kind.ShouldBe("reverse");
        call.IdempotencyKey.ShouldBe($"fraud-alert-{alert.Id}-reverse");
    }

    /// <summary>The ledger refusing fraud-service's own token (401) or its permissions (403) is an identity problem an
    /// operator fixes, not a property of the request: the action stays pending past MaxActionAttempts, counted as
    /// unauthorized, and is done once the ledger accepts it.</summary>
    [Fact]
    public async Task AFreezeRefusedFor401Or403_StaysPendingPastTheAttemptLimit_IsCounted_AndIsDoneOnceAccepted()
    {
        var unauthorized = 0L;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == FraudMetrics.MeterName && instrument.Name == "ledgerx.fraud.policy_actions")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "outcome", Value: "unauthorized" })
                {
                    Interlocked.Add(ref unauthorized, value);
                }
            }
        });
        listener.Start();
        var alert = NewPendingAlert("freeze");
        // MaxActionAttempts is 3 here: five refusals would have failed any other 4xx at the first.
        HttpStatusCode?[] refusals = [HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized];
        _ledger.Script(alert.AccountId, [.. refusals, HttpStatusCode.OK]);
        await InsertAsync(alert);

        var done = await WaitForActionAsync(alert.Id, ActionStatus.Done);

        done.ActionAttempts.ShouldBe(refusals.Length + 1);
        Interlocked.Read(ref unauthorized).ShouldBeGreaterThanOrEqualTo(refusals.Length);
    }

    private static AlertRow NewPendingAlert(string action)
    {
        var now = DateTimeOffset.UtcNow;
        return new AlertRow
        {
            Id = Guid.CreateVersion7(), EventId = Guid.CreateVersion7(), Topic = "transaction.posted.v1", AccountId = Guid.CreateVersion7(),
            EntryId = Guid.CreateVersion7(), Direction = "outflow", Amount = 1_000_000, Currency = "EUR", Score = 95, Reasons = "[]",
            OccurredAt = now, CreatedAt = now, Status = AlertStatus.Open, Action = action, ActionStatus = ActionStatus.Pending, ActionNextAttemptAt = now,
        };
    }

    /// <summary>The worker sees the alert once it is committed, so the script must be in place before.</summary>
    private async Task InsertAsync(AlertRow alert)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FraudDbContext>();
        db.Alerts.Add(alert);
        await db.SaveChangesAsync();
    }

    private async Task<AlertRow> WaitForActionAsync(Guid id, string status)
    {
        AlertRow? row = null;
        await FraudAndLedger.WaitUntilAsync(async () =>
        {
            await using var scope = _app.Services.CreateAsyncScope();
            row = await scope.ServiceProvider.GetRequiredService<FraudDbContext>().Alerts.AsNoTracking().SingleAsync(a => a.Id == id);
            return row.ActionStatus == status;
        }, $"alert {id} to reach {status}");
        return row!;
    }

    private sealed record Call(string Kind, Guid Target, string Reason, string IdempotencyKey);

    /// <summary>Answers each target (account or entry) with the scripted statuses in turn; null throws a transport
    /// error, as an unreachable sidecar does.</summary>
    private sealed class ScriptedLedger : ITransactionServiceClient
    {
        private readonly ConcurrentDictionary<Guid, ConcurrentQueue<HttpStatusCode?>> _scripts = new();

        public ConcurrentQueue<Call> Calls { get; } = new();

        public void Script(Guid target, HttpStatusCode?[] answers) => _scripts[target] = new ConcurrentQueue<HttpStatusCode?>(answers);

        public Task<IApiResponse> FreezeAccountAsync(Guid accountId, FreezeAccountBody body, string idempotencyKey, CancellationToken ct = default) =>
            AnswerAsync(new Call("freeze", accountId, body.Reason, idempotencyKey));

        public Task<IApiResponse> StartReversalAsync(StartReversalBody body, string idempotencyKey, CancellationToken ct = default) =>
            AnswerAsync(new Call("reverse", body.EntryId, body.Reason, idempotencyKey));

        private Task<IApiResponse> AnswerAsync(Call call)
        {
            if (!_scripts.TryGetValue(call.Target, out var script))
            {
                throw new InvalidOperationException($"No script for {call.Target}.");
            }
            Calls.Enqueue(call);
            if (!script.TryDequeue(out var status))
            {
                throw new InvalidOperationException($"Called more often than scripted for {call.Target}.");
            }
            if (status is not { } code)
            {
                throw new HttpRequestException("Connection refused (scripted).");
            }
            var response = new HttpResponseMessage(code) { RequestMessage = new HttpRequestMessage(HttpMethod.Post, "http://transaction-service/") };
            return Task.FromResult<IApiResponse>(new ApiResponse<object>(response, null, new RefitSettings()));
        }
    }
}
