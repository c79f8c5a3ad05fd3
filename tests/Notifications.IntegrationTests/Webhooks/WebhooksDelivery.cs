using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LedgerX.Notifications.Api.Webhooks;
using LedgerX.Notifications.IntegrationTests.Infrastructure;
using Npgsql;

namespace LedgerX.Notifications.IntegrationTests.Webhooks;

/// <summary>A UserEvent becomes exactly one signed POST per endpoint that wants it, retried until a 2xx, logged per
/// attempt, redeliverable, test-sendable; an endpoint that keeps failing is switched off and audited.</summary>
[Collection(WebhooksServiceCollection.Name)]
public sealed class WebhooksDelivery(WebhooksService service) : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async ValueTask DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task AnEventAcceptedTwice_ArrivesOnceSignedWithTheAgreedShape()
    {
        var owner = Callers.Customer(Callers.NewSubject());
        var endpoint = await service.RegisterAsync(owner, _receiver);
        var credited = WebhooksService.Credited(owner.Subject);

        await service.AcceptAsync(credited);
        await service.AcceptAsync(credited); // a redelivered domain event

        var log = await service.LogWhenAsync(owner, endpoint.Endpoint.Id, l => l.Items.Any(d => d.Status == "delivered"), "the delivery");
        log.Items.ShouldHaveSingleItem().Attempts.ShouldHaveSingleItem().StatusCode.ShouldBe(200);
        var received = _receiver.Received.ShouldHaveSingleItem();
        received.SignatureValid.ShouldBeTrue();
        received.Id.ShouldBe(log.Items[0].Id.ToString());
        var body = JsonDocument.Parse(received.Body).RootElement;
        body.GetProperty("id").GetGuid().ShouldBe(credited.EventId);
        body.GetProperty("type").GetString().ShouldBe("transaction.credited");
        body.GetProperty("data").GetProperty("amount").GetProperty("amount").GetInt64().ShouldBe(2_500);
        body.GetProperty("data").GetProperty("amount").GetProperty("currency").GetString().ShouldBe("EUR");
        body.GetProperty("data").GetProperty("accountId").GetGuid().ShouldBe(credited.AccountId!.Value);
        body.GetProperty("data").GetProperty("description").GetString().ShouldBe("Salary");
    }

    [Fact]
    public async Task OnlyEndpointsWantingTheKind_AndOnlyTheOwners_GetIt()
    {
        var owner = Callers.Customer(Callers.NewSubject());
        await using var debitsOnly = await WebhookReceiver.StartAsync();
        await using var strangers = await WebhookReceiver.StartAsync();
        var wanting = await service.RegisterAsync(owner, _receiver, "transaction.credited");
        await service.RegisterAsync(owner, debitsOnly, "transaction.debited");
        await service.RegisterAsync(Callers.Customer(Callers.NewSubject()), strangers);

        await service.AcceptAsync(WebhooksService.Credited(owner.Subject));

        await service.LogWhenAsync(owner, wanting.Endpoint.Id, l => l.Items.Any(d => d.Status == "delivered"), "the wanted delivery");
        debitsOnly.Received.ShouldBeEmpty();
        strangers.Received.ShouldBeEmpty();
    }

    [Fact]
    public async Task AReceiverFailingThreeTimes_GetsExactlyOneAcceptedDelivery_AndTheLogShowsEveryAttempt()
    {
        var owner = Callers.Customer(Callers.NewSubject());
        var endpoint = await service.RegisterAsync(owner, _receiver);
        _receiver.FailNext(3, 503);

        await service.AcceptAsync(WebhooksService.Credited(owner.Subject));

        var log = await service.LogWhenAsync(owner, endpoint.Endpoint.Id, l => l.Items.Any(d => d.Status == "delivered"), "the delivery after retries");
        var delivery = log.Items.ShouldHaveSingleItem();
        delivery.Attempts.Select(a => a.StatusCode).ShouldBe([503, 503, 503, 200]);
        delivery.Attempts.Take(3).ShouldAllBe(a => a.Error != null && a.Error.Contains("503"));
        _receiver.Received.Count(r => r.Processed).ShouldBe(1);
        _receiver.Received.Select(r => r.Id).Distinct().ShouldHaveSingleItem().ShouldBe(delivery.Id.ToString());
        _receiver.Received.ShouldAllBe(r => r.SignatureValid);
    }

    [Fact]
    public async Task TestSend_AndRedelivery_ReachTheReceiverSignedWithTheSameId()
    {
        var owner = Callers.Customer(Callers.NewSubject());
        var endpoint = await service.RegisterAsync(owner, _receiver);

        var test = await service.App.Client.PostAsAsync($"{WebhooksApi.Prefix}/{endpoint.Endpoint.Id}/test", null, owner);
        test.StatusCode.ShouldBe(HttpStatusCode.Accepted, await test.Content.ReadAsStringAsync());
        var first = (await _receiver.WaitForAsync(_ => true)).ShouldHaveSingleItem();
        first.SignatureValid.ShouldBeTrue();
        JsonDocument.Parse(first.Body).RootElement.GetProperty("type").GetString().ShouldBe("webhook.test");
        var log = await service.LogWhenAsync(owner, endpoint.Endpoint.Id, l => l.Items.Any(d => d.Status == "delivered"), "the test delivery");

        var redeliver = await service.App.Client.PostAsAsync(
            $"{WebhooksApi.Prefix}/{endpoint.Endpoint.Id}/deliveries/{log.Items[0].Id}/redeliver", null, owner);
        redeliver.StatusCode.ShouldBe(HttpStatusCode.Accepted, await redeliver.Content.ReadAsStringAsync());

        var both = await _receiver.WaitForAsync(_ => true, count: 2);
        both[1].Id.ShouldBe(first.Id);
        both[1].Body.ShouldBe(first.Body);
        both[1].Processed.ShouldBeFalse(); // the receiver recognised its idempotency key
        await service.LogWhenAsync(owner, endpoint.Endpoint.Id, l => l.Items[0].Attempts.Length == 2 && l.Items[0].Status == "delivered", "two attempts logged");
    }

    [Fact]
    public async Task AfterARotation_BothSecretsSignDuringTheOverlap()
    {
        var owner = Callers.Customer(Callers.NewSubject());
        var endpoint = await service.RegisterAsync(owner, _receiver);
        var rotate = await service.App.Client.PostAsAsync($"{WebhooksApi.Prefix}/{endpoint.Endpoint.Id}/rotate-secret", null, owner);
        rotate.StatusCode.ShouldBe(HttpStatusCode.OK);
        var rotated = (await rotate.Content.ReadFromJsonAsync<CreatedEndpoint>(NotificationService.Json))!;
        rotated.Secret.ShouldNotBe(endpoint.Secret);
        rotated.Endpoint.PreviousSecretExpiresAt.ShouldNotBeNull().ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddHours(23));

        await service.AcceptAsync(WebhooksService.Credited(owner.Subject));

        var received = (await _receiver.WaitForAsync(_ => true)).ShouldHaveSingleItem();
        var body = System.Text.Encoding.UTF8.GetBytes(received.Body);
        received.Signature.ShouldNotBeNull().Split(',').Count(p => p.StartsWith("v1=", StringComparison.Ordinal)).ShouldBe(2);
        WebhookSignature.Verify(received.Signature, body, endpoint.Secret, DateTimeOffset.UtcNow, WebhookSignature.DefaultTolerance).ShouldBeTrue();
        WebhookSignature.Verify(received.Signature, body, rotated.Secret, DateTimeOffset.UtcNow, WebhookSignature.DefaultTolerance).ShouldBeTrue();
    }

    [Fact]
    public async Task AnEndpointWhoseDeliveriesKeepDying_IsDisabledWithItsReason_AndAudited()
    {
        var owner = Callers.Customer(Callers.NewSubject());
        var endpoint = await service.RegisterAsync(owner, _receiver);
        _receiver.FailNext(int.MaxValue, 500);

        for (var i = 0; i < WebhooksService.DisableAfterDead; i++)
        {
            await service.AcceptAsync(WebhooksService.Credited(owner.Subject));
        }

        var disabled = await NotificationService.EventuallyAsync(
            async () => await service.EndpointAsync(owner, endpoint.Endpoint.Id) is { Enabled: false } e ? e : null, "the automatic disable");
        disabled.DisabledReason.ShouldNotBeNull().ShouldContain($"{WebhooksService.DisableAfterDead} deliveries in a row");
        var log = await service.DeliveriesAsync(owner, endpoint.Endpoint.Id);
        log.Items.Length.ShouldBe(WebhooksService.DisableAfterDead);
        log.Items.ShouldAllBe(d => d.Status == "dead" && d.Attempts.Length == WebhooksService.MaxAttempts && d.NextAttemptAt == null);
        (await AuditedDisablesAsync(endpoint.Endpoint.Id)).ShouldBe(1);

        // Disabled: a new event makes no delivery for it, and a test-send says why.
        await service.AcceptAsync(WebhooksService.Credited(owner.Subject));
        (await service.DeliveriesAsync(owner, endpoint.Endpoint.Id)).Items.Length.ShouldBe(WebhooksService.DisableAfterDead);
        var test = await service.App.Client.PostAsAsync($"{WebhooksApi.Prefix}/{endpoint.Endpoint.Id}/test", null, owner);
        test.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await ProblemJson.ReadAsync(test)).GetProperty("code").GetString().ShouldBe("webhook_endpoint_disabled");
    }

    [Fact]
    public async Task ADeadDelivery_IsADeadLetterThatAReplaySendsAgain()
    {
        var owner = Callers.Customer(Callers.NewSubject());
        var endpoint = await service.RegisterAsync(owner, _receiver);
        _receiver.FailNext(WebhooksService.MaxAttempts, 500);
        await service.AcceptAsync(WebhooksService.Credited(owner.Subject));
        var dead = (await service.LogWhenAsync(owner, endpoint.Endpoint.Id, l => l.Items.Any(d => d.Status == "dead"), "the dead delivery")).Items[0];

        await using (var scope = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.CreateAsyncScope(service.App.Services))
        {
            var source = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
                .GetServices<LedgerX.Notifications.Api.Delivery.IDeadLetterSource>(scope.ServiceProvider).Single(s => s.Channel == "webhook");
            (await source.ListAsync(100, CancellationToken.None)).ShouldContain(l => l.Id == dead.Id && l.UserId == owner.Subject && l.Attempts == WebhooksService.MaxAttempts);
            (await source.ReplayAsync(dead.Id, CancellationToken.None)).ShouldBeTrue();
            (await source.ReplayAsync(dead.Id, CancellationToken.None)).ShouldBeFalse(); // no longer dead
        }

        var delivered = await service.LogWhenAsync(owner, endpoint.Endpoint.Id, l => l.Items[0].Status == "delivered", "the replayed delivery");
        delivered.Items[0].Attempts.Length.ShouldBe(WebhooksService.MaxAttempts + 1);
        _receiver.Received.Count(r => r.Processed).ShouldBe(1);
    }

    private async Task<long> AuditedDisablesAsync(Guid endpointId)
    {
        await using var connection = new NpgsqlConnection(service.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM audit_outbox WHERE payload->>'action' = 'notifications.webhook.disabled' AND payload->'subject'->>'id' = $1", connection)
        {
            Parameters = { new NpgsqlParameter { Value = endpointId.ToString() } },
        };
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
