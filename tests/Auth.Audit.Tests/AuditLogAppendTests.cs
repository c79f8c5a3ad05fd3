using System.Text;
using LedgerX.Auth.Audit.Chain;
using LedgerX.LocalDapr.PubSub;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.Extensions.DependencyInjection;
using static LedgerX.Auth.Audit.Tests.AuditEvents;

namespace LedgerX.Auth.Audit.Tests;

/// <summary>Appending: through the sidecar's delivery, once per event id, linear under concurrent deliveries, and a
/// malformed payload dropped to the dead-letter topic.</summary>
public sealed class AuditLogAppendTests(AuditLogHost host) : IClassFixture<AuditLogHost>
{
    [Fact]
    public async Task AnEventPublishedOnTheTopic_IsAppended_WithEveryFieldAndItsChainLink()
    {
        var actor = $"u-{Guid.NewGuid():N}";
        var e = Event(actor, AuditActions.RoleGranted, subject: new AuditSubject("user", "u-42"),
            details: new Dictionary<string, string> { ["role"] = "auditor", ["grantedBy"] = "admin" });

        await host.PublishAsync(e);

        var record = (await host.Auditor.WaitForActorAsync(actor, 1)).Items.ShouldHaveSingleItem();
        record.EventId.ShouldBe(e.EventId);
        record.Source.ShouldBe("auth-service");
        record.Actor.Type.ShouldBe("user");
        record.Action.ShouldBe(AuditActions.RoleGranted);
        record.Subject.ShouldNotBeNull().Id.ShouldBe("u-42");
        record.Outcome.ShouldBe(AuditOutcomes.Succeeded);
        record.Details.ShouldNotBeNull()["role"].ShouldBe("auditor");
        record.TraceId.ShouldBe(e.TraceId);
        record.OccurredAt.ShouldBe(AuditChain.ToMicroseconds(e.OccurredAt));
        record.Hash.Length.ShouldBe(64);
        var previous = record.Sequence == 1 ? AuditChain.Hex(AuditChain.Genesis) : (await GetAsync(record.Sequence - 1)).Hash;
        record.PreviousHash.ShouldBe(previous);
        (await GetAsync(record.Sequence)).ShouldBeEquivalentTo(record);
    }

    [Fact]
    public async Task TheSameEventDeliveredTwice_IsOneRecord_AndBothDeliveriesSucceed()
    {
        var actor = $"u-{Guid.NewGuid():N}";
        var e = Event(actor);
        var body = AuditOutbox.Serialize(e);

        (await host.DeliverAsync(body)).ShouldBe("SUCCESS");
        (await host.DeliverAsync(body)).ShouldBe("SUCCESS");
        await host.PublishAsync(e);
        await host.Sidecar.PubSub.WaitForDeliveryAsync(d => d.CloudEventId == e.EventId.ToString() && d.Outcome == DeliveryOutcome.Success,
            TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        (await host.Auditor.PageAsync($"actorId={actor}")).Items.ShouldHaveSingleItem().EventId.ShouldBe(e.EventId);
    }

    [Fact]
    public async Task ConcurrentDeliveries_MakeOneLinearGaplessChain()
    {
        var actor = $"u-{Guid.NewGuid():N}";
        var events = Enumerable.Range(0, 40).Select(i => Event(actor, details: new Dictionary<string, string> { ["n"] = $"{i}" })).ToList();
        // Every tenth event is delivered twice at the same time: redeliveries race their originals.
        var bodies = events.Select(AuditOutbox.Serialize).Concat(events.Where((_, i) => i % 10 == 0).Select(AuditOutbox.Serialize)).ToList();

        var answers = await Task.WhenAll(bodies.Select(host.DeliverAsync));

        answers.ShouldAllBe(a => a == "SUCCESS");
        var records = (await host.Auditor.PageAsync($"actorId={actor}&limit=200")).Items;
        records.Select(r => r.EventId).Order().ShouldBe(events.Select(e => e.EventId).Order());
        var report = await VerifyDirectlyAsync();
        report.Ok.ShouldBeTrue(report.FirstBreak?.Detail);
        // Gapless: the head's sequence is the number of records.
        report.HeadSequence.ShouldBe(report.Count);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("[1, 2, 3]")]
    [InlineData("""{"eventId":"0193a3a0-0000-7000-8000-000000000001","occurredAt":"2026-12-01T10:00:00Z","source":"auth-service","actor":{"type":"robot","id":"r2"},"action":"auth.sign_in.failed","outcome":"failed"}""")]
    [InlineData("""{"eventId":"0193a3a0-0000-7000-8000-000000000002","occurredAt":"2026-12-01T10:00:00Z","source":"auth-service","actor":{"type":"user","id":"u"},"action":"SignIn","outcome":"failed"}""")]
    [InlineData("""{"eventId":"0193a3a0-0000-7000-8000-000000000003","occurredAt":"2026-12-01T10:00:00Z","source":"auth-service","actor":{"type":"user","id":"u"},"action":"auth.sign_in.failed"}""")]
    [InlineData("""{"eventId":"0193a3a0-0000-7000-8000-000000000004","occurredAt":"2026-12-01T10:00:00Z","source":"auth-service","actor":null,"action":"auth.sign_in.failed","outcome":"failed"}""")]
    [InlineData("""{"eventId":"not-a-uuid","occurredAt":"2026-12-01T10:00:00Z","source":"auth-service","actor":{"type":"user","id":"u"},"action":"auth.sign_in.failed","outcome":"failed"}""")]
    public async Task AMalformedPayload_IsAnsweredDrop_NeverAnError(string body)
    {
        (await host.DeliverAsync(body)).ShouldBe("DROP");
    }

    [Fact]
    public async Task AMalformedPayloadFromTheTopic_GoesToTheDeadLetterTopic_AndIsNotAppended()
    {
        var id = Guid.CreateVersion7().ToString();
        var before = (await VerifyDirectlyAsync()).Count;

        await host.PublishAsync(id, Encoding.UTF8.GetBytes("""{"eventId":"00000000-0000-0000-0000-000000000000","action":"x"}"""));

        var delivery = await host.Sidecar.PubSub.WaitForDeliveryAsync(d => d.CloudEventId == id, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        // DeadLettered is recorded only once the message is on the subscription's dead-letter topic.
        delivery.Outcome.ShouldBe(DeliveryOutcome.DeadLettered);
        (await VerifyDirectlyAsync()).Count.ShouldBe(before);
    }

    private async Task<Apis.AuditEventResponse> GetAsync(long sequence)
    {
        var response = await host.Auditor.GetAsync($"/api/v1/audit/events/{sequence}", TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<Apis.AuditEventResponse>(response.Content, AuditEvents.Json, TestContext.Current.CancellationToken))!;
    }

    /// <summary>The verifier without the API, which would append a record of its own.</summary>
    private async Task<VerifyReport> VerifyDirectlyAsync()
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AuditLogVerifier>().VerifyAsync(TestContext.Current.CancellationToken);
    }
}
