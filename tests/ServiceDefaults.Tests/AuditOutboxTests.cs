using System.Text.Json.Nodes;
using Dapr.Client;
using LedgerX.LocalDapr.PubSub;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Telemetry;
using LedgerX.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>
/// The shared audit outbox end to end: an event added with an action commits with it and reaches the sidecar as
/// audit.recorded.v1 (CloudEvent id = event id, payload as the schema says), one that rolled back never does, and the
/// relay keeps events due while the sidecar is away and trims published rows past their retention.
/// </summary>
public sealed class AuditOutboxTests(AuditOutboxHost host) : IClassFixture<AuditOutboxHost>
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);

    private static AuditRecorded Event(string action = AuditActions.AccountFrozen, AuditSubject? subject = null, IReadOnlyDictionary<string, string>? details = null) =>
        AuditRecorded.Create(TimeProvider.System, AuditOutboxHost.AppId, new AuditActor("user", "alice"), action, AuditOutcomes.Succeeded, subject, details);

    [Fact]
    public async Task AnEventSavedWithItsAction_IsPublishedAtOnce_WithItsIdAsCloudEventId_AndASchemaValidPayload()
    {
        var e = Event(subject: new AuditSubject("account", Guid.NewGuid().ToString()), details: new Dictionary<string, string> { ["reason"] = "court order", ["ipAddress"] = "10.0.0.1" });
        await using (var scope = host.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<WidgetContext>();
            db.Widgets.Add(new Widget { Id = Guid.NewGuid(), Name = "frozen" });
            db.AddAuditEvent(e);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        // The poll interval is a minute: only the commit can have woken the relay this soon.
        var published = await host.Sidecar.PubSub.WaitForPublishedAsync(m => m.CloudEventId == e.EventId.ToString(), Soon, TestContext.Current.CancellationToken);

        published.Topic.ShouldBe(AuditTopics.Recorded);
        published.PubsubName.ShouldBe("pubsub");
        var data = published.CloudEvent!["data"]!.AsObject();
        EventSchemas.AssertValid(AuditTopics.Recorded, data.ToJsonString());
        data["eventId"]!.GetValue<Guid>().ShouldBe(e.EventId);
        data["actor"]!["id"]!.GetValue<string>().ShouldBe("alice");
        data["details"]!["ipAddress"]!.GetValue<string>().ShouldBe("10.0.0.1");
        await WaitUntilPublishedAsync(e.EventId);
    }

    [Fact]
    public async Task AnEventCommittedInTheCallersTransaction_IsPublishedAfterTheCommit()
    {
        var e = Event(subject: new AuditSubject("reversal", Guid.NewGuid().ToString()));
        await using (var scope = host.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<WidgetContext>();
            await using var transaction = await db.Database.BeginTransactionAsync(TestContext.Current.CancellationToken);
            db.Widgets.Add(new Widget { Id = Guid.NewGuid(), Name = "approved" });
            db.AddAuditEvent(e);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            // Still uncommitted: a relay pass now sees nothing, so it must be woken again by the commit.
            await Task.Delay(300, TestContext.Current.CancellationToken);
            host.Sidecar.PubSub.Published.ShouldNotContain(m => m.CloudEventId == e.EventId.ToString());
            await transaction.CommitAsync(TestContext.Current.CancellationToken);
        }

        await host.Sidecar.PubSub.WaitForPublishedAsync(m => m.CloudEventId == e.EventId.ToString(), Soon, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AnEventWhoseActionRolledBack_IsNeverPublished()
    {
        var rolledBack = Event(AuditActions.ReversalRejected);
        var committed = Event(AuditActions.ReversalApproved);
        await using (var scope = host.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<WidgetContext>();
            await using (var transaction = await db.Database.BeginTransactionAsync(TestContext.Current.CancellationToken))
            {
                db.AddAuditEvent(rolledBack);
                await db.SaveChangesAsync(TestContext.Current.CancellationToken);
                await transaction.RollbackAsync(TestContext.Current.CancellationToken);
            }
            db.ChangeTracker.Clear();
            db.AddAuditEvent(committed);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        // Events go out in enqueue order, so once the later one is out, the earlier would have been too.
        await host.Sidecar.PubSub.WaitForPublishedAsync(m => m.CloudEventId == committed.EventId.ToString(), Soon, TestContext.Current.CancellationToken);
        host.Sidecar.PubSub.Published.ShouldNotContain(m => m.CloudEventId == rolledBack.EventId.ToString());
        (await host.ScalarAsync<long>("SELECT count(*) FROM audit_outbox WHERE event_id = $1", rolledBack.EventId)).ShouldBe(0);
    }

    [Fact]
    public async Task AnEventInsertedInARawNpgsqlBatch_IsPublished_WhenTheWriterSignals()
    {
        var e = Event(AuditActions.AccountUnfrozen, new AuditSubject("account", "acc-1"));
        await using (var connection = new NpgsqlConnection(host.ConnectionString))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(TestContext.Current.CancellationToken);
            await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { AuditOutbox.InsertCommand(e, OutboxTrace.None) } };
            await batch.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            await transaction.CommitAsync(TestContext.Current.CancellationToken);
        }
        host.App.Services.GetRequiredService<AuditOutboxSignal>().Notify();

        var published = await host.Sidecar.PubSub.WaitForPublishedAsync(m => m.CloudEventId == e.EventId.ToString(), Soon, TestContext.Current.CancellationToken);
        EventSchemas.AssertValid(AuditTopics.Recorded, published.CloudEvent!["data"]!.ToJsonString());
    }

    /// <summary>ADR 0023: the relay publishes a row under the context it was written in, so the CloudEvent (and the audit
    /// log's consumer) is in the audited action's trace; the context is taken when the event is added, not at publish.</summary>
    [Fact]
    public async Task AnEvent_IsPublishedInTheTraceOfTheActionThatWroteIt()
    {
        using var listener = new System.Diagnostics.ActivityListener
        {
            // By name, not ActionSource.Name: creating ActionSource (in this class's static initializer, which may run
            // only now) asks every listener already added, this one included, while ActionSource is still null.
            ShouldListenTo = source => source.Name is OutboxTrace.SourceName or ActionSourceName,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        var e = Event(AuditActions.AccountFrozen, new AuditSubject("account", Guid.NewGuid().ToString()));
        string traceId;
        using (var action = ActionSource.StartActivity("freeze"))
        {
            traceId = action!.TraceId.ToHexString();
            await using var scope = host.Scope();
            var db = scope.ServiceProvider.GetRequiredService<WidgetContext>();
            db.Widgets.Add(new Widget { Id = Guid.NewGuid(), Name = "traced" });
            db.AddAuditEvent(e);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        var published = await host.Sidecar.PubSub.WaitForPublishedAsync(m => m.CloudEventId == e.EventId.ToString(), Soon, TestContext.Current.CancellationToken);
        string? traceParent = published.CloudEvent!["traceparent"]?.GetValue<string>();
        traceParent.ShouldNotBeNull();
        traceParent.Split('-')[1].ShouldBe(traceId, "the CloudEvent continues the action's trace");
        await using var connection = new NpgsqlConnection(host.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var read = new NpgsqlCommand($"SELECT trace_parent FROM {AuditOutbox.Table} WHERE event_id = $1", connection) { Parameters = { new NpgsqlParameter<Guid> { TypedValue = e.EventId } } };
        ((string)(await read.ExecuteScalarAsync(TestContext.Current.CancellationToken))!).ShouldContain(traceId);
    }

    private const string ActionSourceName = "LedgerX.Tests.AuditAction";

    private static readonly System.Diagnostics.ActivitySource ActionSource = new(ActionSourceName);

    [Fact]
    public async Task WhileTheSidecarIsUnreachable_EventsStayDue_WithoutCountingAnAttempt()
    {
        var e = Event(AuditActions.LedgerVerified, new AuditSubject("ledger", "transaction-service"));
        await using (var db = host.NewContext())
        {
            // Held back from the app's relay by a future next_attempt_at; this test's relay runs two hours ahead.
            await using var transaction = await db.Database.BeginTransactionAsync(TestContext.Current.CancellationToken);
            db.AddAuditEvent(e);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            await db.Database.ExecuteSqlAsync($"UPDATE audit_outbox SET next_attempt_at = now() + interval '1 hour' WHERE event_id = {e.EventId}", TestContext.Current.CancellationToken);
            await transaction.CommitAsync(TestContext.Current.CancellationToken);
        }
        using var deadDapr = new DaprClientBuilder().UseGrpcEndpoint($"http://127.0.0.1:{SampleService.FreePort()}").UseHttpEndpoint($"http://127.0.0.1:{SampleService.FreePort()}").Build();
        var clock = new ShiftedClock(TimeSpan.FromHours(2));
        var relay = Relay(deadDapr, clock);

        var pass = await relay.RelayOnceAsync(TestContext.Current.CancellationToken);

        pass.SidecarUnreachable.ShouldBeTrue();
        pass.Published.ShouldBe(0);
        (await host.ScalarAsync<int>("SELECT attempts FROM audit_outbox WHERE event_id = $1", e.EventId)).ShouldBe(0);
        (await host.ScalarAsync<bool>("SELECT published_at IS NULL FROM audit_outbox WHERE event_id = $1", e.EventId)).ShouldBeTrue();

        // Back again (the live sidecar): the same relay publishes it.
        using var liveDapr = new DaprClientBuilder().UseGrpcEndpoint(host.Sidecar.GrpcEndpoint).UseHttpEndpoint(host.Sidecar.HttpEndpoint).Build();
        var again = await Relay(liveDapr, clock).RelayOnceAsync(TestContext.Current.CancellationToken);
        again.Published.ShouldBeGreaterThanOrEqualTo(1);
        await host.Sidecar.PubSub.WaitForPublishedAsync(m => m.CloudEventId == e.EventId.ToString(), Soon, TestContext.Current.CancellationToken);
        await WaitUntilPublishedAsync(e.EventId);
    }

    [Fact]
    public async Task Cleanup_DeletesOnlyRowsPublishedLongerAgoThanTheRetention()
    {
        var old = Event();
        var recent = Event();
        var pending = Event();
        await using (var db = host.NewContext())
        {
            await using var transaction = await db.Database.BeginTransactionAsync(TestContext.Current.CancellationToken);
            db.AddAuditEvent(old);
            db.AddAuditEvent(recent);
            db.AddAuditEvent(pending);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            await db.Database.ExecuteSqlAsync($"UPDATE audit_outbox SET published_at = now() - interval '8 days' WHERE event_id = {old.EventId}", TestContext.Current.CancellationToken);
            await db.Database.ExecuteSqlAsync($"UPDATE audit_outbox SET published_at = now() - interval '6 days' WHERE event_id = {recent.EventId}", TestContext.Current.CancellationToken);
            await db.Database.ExecuteSqlAsync($"UPDATE audit_outbox SET next_attempt_at = now() + interval '1 hour' WHERE event_id = {pending.EventId}", TestContext.Current.CancellationToken);
            await transaction.CommitAsync(TestContext.Current.CancellationToken);
        }

        await Relay(host.App.Services.GetRequiredService<DaprClient>(), TimeProvider.System).CleanUpAsync(TestContext.Current.CancellationToken);

        (await host.ScalarAsync<long>("SELECT count(*) FROM audit_outbox WHERE event_id = $1", old.EventId)).ShouldBe(0);
        (await host.ScalarAsync<long>("SELECT count(*) FROM audit_outbox WHERE event_id = $1", recent.EventId)).ShouldBe(1);
        (await host.ScalarAsync<long>("SELECT count(*) FROM audit_outbox WHERE event_id = $1", pending.EventId)).ShouldBe(1);
    }

    private AuditOutboxRelay<WidgetContext> Relay(DaprClient dapr, TimeProvider clock) =>
        new(host.App.Services.GetRequiredService<IServiceScopeFactory>(), dapr, new AuditOutboxSignal(), clock,
            Options.Create(new AuditOutboxOptions()), host.App.Services.GetRequiredService<AuditOutboxMetrics>(), NullLogger<AuditOutboxRelay<WidgetContext>>.Instance);

    private async Task WaitUntilPublishedAsync(Guid eventId)
    {
        var deadline = DateTime.UtcNow + Soon;
        while (!await host.ScalarAsync<bool>("SELECT published_at IS NOT NULL FROM audit_outbox WHERE event_id = $1", eventId))
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"audit event {eventId} was not marked published");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private sealed class ShiftedClock(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + ahead;
    }
}

/// <summary>The payload and the rules producers are held to, without a database.</summary>
public sealed class AuditEventPayloadTests
{
    [Fact]
    public void AMinimalEvent_SerializesWithoutNulls_AndFitsTheSchema()
    {
        var e = AuditRecorded.Create(TimeProvider.System, "auth-service", AuditActor.Anonymous, AuditActions.SignInFailed, AuditOutcomes.Failed);
        var json = AuditOutbox.Serialize(e);

        EventSchemas.AssertValid(AuditTopics.Recorded, json);
        var fields = JsonNode.Parse(json)!.AsObject().Select(p => p.Key).ToList();
        fields.ShouldNotContain("subject");
        fields.ShouldNotContain("details");
        fields.ShouldContain("occurredAt");
    }

    [Fact]
    public void DetailKeys_KeepTheirSpelling()
    {
        var e = AuditRecorded.Create(TimeProvider.System, "auth-service", new AuditActor("client", "ledgerx-cli"), AuditActions.TokenIssued, AuditOutcomes.Succeeded,
            details: new Dictionary<string, string> { ["ClientId"] = "ledgerx-cli" });

        JsonNode.Parse(AuditOutbox.Serialize(e))!["details"]!["ClientId"]!.GetValue<string>().ShouldBe("ledgerx-cli");
    }

    [Theory]
    [InlineData("Ledger.Frozen", "action")]
    [InlineData("frozen", "action")]
    [InlineData("ledger.frozen\n", "action")]
    public void AnEventThatBreaksTheSchema_IsRefusedWhenEnqueued(string action, string field)
    {
        var e = AuditRecorded.Create(TimeProvider.System, "transaction-service", new AuditActor("user", "u1"), action, AuditOutcomes.Succeeded);
        using var db = new WidgetContext(new DbContextOptionsBuilder<WidgetContext>().UseNpgsql("Host=127.0.0.1").Options);

        Should.Throw<ArgumentException>(() => db.AddAuditEvent(e)).Message.ShouldContain(field);
        // (The trailing newline is refused as ECMA-262 reads the schema's pattern; JsonSchema.Net, on .NET's regex
        // where $ also matches before a final newline, would let it through.)
        Should.Throw<ArgumentException>(() => AuditOutbox.InsertCommand(e, OutboxTrace.None));
    }

    [Fact]
    public void TheRules_RefuseWhatTheSchemaRefuses_FieldByField()
    {
        var valid = AuditRecorded.Create(TimeProvider.System, "auth-service", new AuditActor("user", "u1"), AuditActions.RoleGranted, AuditOutcomes.Succeeded,
            new AuditSubject("user", "u2"), new Dictionary<string, string> { ["role"] = "auditor" });
        AuditRecordedRules.Problems(valid).ShouldBeEmpty();
        EventSchemas.Validate(AuditTopics.Recorded, AuditOutbox.Serialize(valid)).ShouldBeEmpty();

        AuditRecorded[] invalid =
        [
            valid with { Source = "" },
            valid with { Source = new string('s', 101) },
            valid with { Actor = new AuditActor("robot", "r2") },
            valid with { Actor = new AuditActor("user", new string('u', 201)) },
            valid with { Outcome = "maybe" },
            valid with { Subject = new AuditSubject("", "x") },
            valid with { Subject = new AuditSubject(new string('t', 51), "x") },
            valid with { Details = Enumerable.Range(0, 21).ToDictionary(i => $"k{i}", i => "v") },
            valid with { Details = new Dictionary<string, string> { ["note"] = new string('n', 1001) } },
            valid with { TraceId = "ABCDEF0123456789ABCDEF0123456789" },
            valid with { Action = "auth." + new string('a', 100) },
        ];
        foreach (var e in invalid)
        {
            AuditRecordedRules.Problems(e).ShouldNotBeEmpty(AuditOutbox.Serialize(e));
            EventSchemas.Validate(AuditTopics.Recorded, AuditOutbox.Serialize(e)).ShouldNotBeEmpty(AuditOutbox.Serialize(e));
        }
    }

    [Fact]
    public void TheOutboxSettings_AreDocumented() => ConfigurationDocs.AssertDocumented(typeof(AuditOutboxOptions), AuditOutboxOptions.Section);
}
