using System.Net;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.PubSub;
using LedgerX.LocalDapr.Resources;
using LedgerX.LocalDapr.Tests.Infrastructure;
using LedgerX.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LedgerX.LocalDapr.Tests.Invocation;

/// <summary>
/// LedgerX's own policy, from the repository's <c>components/</c> as every sidecar loads it: who may invoke what
/// (config.yaml <c>accessControl</c>) and who may publish or read which topic (pubsub.yaml scopes).
/// </summary>
public sealed class LedgerXPolicyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Fraud_service_may_freeze_an_account_analytics_service_may_not_and_the_gateway_never_reaches_internal_routes()
    {
        await using var app = await SubscriberApp.StartAsync((web, a) =>
        {
            web.MapPost("/api/v1/accounts/{id:guid}/freeze", () => Results.Ok());
            web.MapPost("/api/v1/accounts/{id:guid}/close", () => Results.Ok());
            web.MapGet("/api/v1/accounts/{id:guid}", () => Results.Ok());
            web.MapGet("/api/v1/ledger/events", () => Results.Ok());
            web.MapPost("/api/v1/transfers", () => Results.Ok());
        });
        // The callee's id does not matter to the policy (it names callers); a unique one keeps parallel tests apart.
        await using var ledger = await LocalDaprSidecar.StartAsync(
            new SidecarOptions { AppId = "ledger-" + Guid.NewGuid().ToString("N")[..6], AppPort = app.Port, ConfigFile = RepositoryRoot.PathOf("components", "config.yaml") },
            Ct);
        await using var fraud = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "fraud-service" }, Ct);
        await using var analytics = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "analytics-service" }, Ct);
        await using var gateway = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "gateway" }, Ct);
        using var http = new HttpClient();
        string account = Guid.NewGuid().ToString();

        async Task<HttpStatusCode> Call(LocalDaprSidecar caller, HttpMethod method, string path)
        {
            using var request = new HttpRequestMessage(method, $"{caller.HttpEndpoint}/v1.0/invoke/{ledger.AppId}/method/{path}") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
            using var response = await http.SendAsync(request, Ct);
            return response.StatusCode;
        }

        (await Call(fraud, HttpMethod.Post, $"api/v1/accounts/{account}/freeze")).ShouldBe(HttpStatusCode.OK);
        (await Call(fraud, HttpMethod.Get, $"api/v1/accounts/{account}")).ShouldBe(HttpStatusCode.OK);
        (await Call(fraud, HttpMethod.Post, $"api/v1/accounts/{account}/close")).ShouldBe(HttpStatusCode.Forbidden);
        (await Call(fraud, HttpMethod.Get, "api/v1/ledger/events")).ShouldBe(HttpStatusCode.Forbidden);

        (await Call(analytics, HttpMethod.Post, $"api/v1/accounts/{account}/freeze")).ShouldBe(HttpStatusCode.Forbidden);
        (await Call(analytics, HttpMethod.Get, "api/v1/ledger/events")).ShouldBe(HttpStatusCode.OK);

        (await Call(gateway, HttpMethod.Post, "api/v1/transfers")).ShouldBe(HttpStatusCode.OK);
        (await Call(gateway, HttpMethod.Get, "dapr/config")).ShouldBe(HttpStatusCode.Forbidden);
        (await Call(gateway, HttpMethod.Post, "events/transaction-posted")).ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public void Only_the_ledger_publishes_its_events_and_each_consumer_reads_only_what_it_needs()
    {
        TopicScopes For(string appId)
        {
            var pubsub = ResourceLoader.Load([RepositoryRoot.PathOf("components")], null, appId).Components.SingleOrDefault(c => c.Name == "pubsub");
            // An app outside the component's scopes has no pub/sub at all; judge it by the metadata anyway.
            pubsub ??= ResourceLoader.Load([RepositoryRoot.PathOf("components")], null, "transaction-service").Components.Single(c => c.Name == "pubsub");
            return TopicScopes.From(pubsub.Metadata.ToDictionary(m => m.Name, m => m.Value ?? ""), appId);
        }

        var ledger = For("transaction-service");
        var fraud = For("fraud-service");
        var analytics = For("analytics-service");
        var auth = For("auth-service");
        var gateway = For("gateway");

        foreach (string topic in new[] { "transaction.posted.v1", "account.frozen.v1", "hold.created.v1", "reversal.completed.v1" })
        {
            ledger.MayPublish(topic).ShouldBeTrue(topic);
            fraud.MayPublish(topic).ShouldBeFalse(topic);
            analytics.MayPublish(topic).ShouldBeFalse(topic);
            gateway.MayPublish(topic).ShouldBeFalse(topic);
        }

        fraud.MayPublish("fraud.flagged.v1").ShouldBeTrue();
        ledger.MayPublish("fraud.flagged.v1").ShouldBeFalse();
        foreach (var service in new[] { ledger, fraud, analytics, auth })
        {
            service.MayPublish("audit.recorded.v1").ShouldBeTrue();
        }

        gateway.MayPublish("audit.recorded.v1").ShouldBeFalse();
        fraud.MayPublish("fraud-service.dead-letters").ShouldBeTrue();
        analytics.MayPublish("analytics.deadletter.v1").ShouldBeTrue();
        auth.MayPublish("auth-service.dead-letters").ShouldBeTrue();

        // Both learn account owners from account.opened.v1 for their object-level checks.
        fraud.MaySubscribe("account.opened.v1").ShouldBeTrue();
        analytics.MaySubscribe("account.opened.v1").ShouldBeTrue();
        fraud.MaySubscribe("transaction.posted.v1").ShouldBeTrue();
        fraud.MaySubscribe("hold.created.v1").ShouldBeTrue();
        fraud.MaySubscribe("reversal.completed.v1").ShouldBeFalse();
        analytics.MaySubscribe("fraud.flagged.v1").ShouldBeTrue();
        analytics.MaySubscribe("hold.expired.v1").ShouldBeTrue();
        analytics.MaySubscribe("audit.recorded.v1").ShouldBeFalse();
        auth.MaySubscribe("audit.recorded.v1").ShouldBeTrue();
        auth.MaySubscribe("transaction.posted.v1").ShouldBeFalse();
        ledger.MaySubscribe("transaction.posted.v1").ShouldBeFalse();
        gateway.MaySubscribe("transaction.posted.v1").ShouldBeFalse();
    }
}
