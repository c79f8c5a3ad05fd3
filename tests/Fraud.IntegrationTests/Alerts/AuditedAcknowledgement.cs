using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Fraud.IntegrationTests.Infrastructure;
using LedgerX.ServiceDefaults.Audit;
using Npgsql;

namespace LedgerX.Fraud.IntegrationTests.Alerts;

/// <summary>Acknowledging an alert is a privileged action: one audit event, committed with the acknowledgement, by the
/// caller's token principal (not the app that relayed it); none for a refused second acknowledgement; and fraud-service's relay publishes it on audit.recorded.v1.</summary>
[Collection(FraudAndLedgerCollection.Name)]
public sealed class AuditedAcknowledgement(FraudAndLedger env)
{
    private async Task<Guid> AlertAsync(string owner)
    {
        var account = await env.OpenAccountAsync(owner);
        var other = await env.OpenAccountAsync(owner + "-payee");
        await env.DepositAsync(account, 2_000_000);
        await env.WaitForMovementsAsync(account, 1);
        await env.TransferAsync(account, other, 2_000_000);
        await FraudAndLedger.WaitUntilAsync(async () => (await env.AlertsAsync($"accountId={account}")).Items.Count == 1, $"an alert on {owner}");
        return (await env.AlertsAsync($"accountId={account}")).Items.Single().Id;
    }

    private async Task<List<JsonObject>> AuditEventsAsync(Guid alert)
    {
        await using var connection = new NpgsqlConnection(env.Fraud.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(array_agg(payload::text ORDER BY enqueued_at), '{}') FROM audit_outbox WHERE payload->'subject'->>'id' = @alert", connection);
        command.Parameters.AddWithValue("alert", alert.ToString());
        var payloads = (string[])(await command.ExecuteScalarAsync())!;
        foreach (var payload in payloads)
        {
            EventSchemas.AssertValid(AuditTopics.Recorded, payload);
        }
        return [.. payloads.Select(p => JsonNode.Parse(p)!.AsObject())];
    }

    /// <summary>As <paramref name="by"/>, through a sidecar of app id ops-console: the token's principal, not the calling
    /// app, is the actor.</summary>
    private async Task<HttpResponseMessage> AcknowledgeAsync(Guid alert, Caller by)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/alerts/{alert}/acknowledge")
        {
            Content = JsonContent.Create(new { note = "called the customer" }),
        };
        request.Headers.Add(AuditCaller.DaprCallerHeader, "ops-console");
        return await env.Fraud.Client.SendAsAsync(request, by);
    }

    [Fact]
    public async Task AnAcknowledgement_IsAuditedOnce_AndPublished_AndARefusedSecondOneIsNot()
    {
        var alert = await AlertAsync("audited-ack");

        var analyst9 = Callers.FraudAnalyst with { Subject = "analyst-9" };
        await FraudAndLedger.ExpectAsync(await AcknowledgeAsync(alert, analyst9), HttpStatusCode.OK);
        (await AcknowledgeAsync(alert, Callers.FraudAnalyst with { Subject = "analyst-10" })).StatusCode.ShouldBe(HttpStatusCode.Conflict);

        var e = (await AuditEventsAsync(alert)).ShouldHaveSingleItem();
        e["action"]!.GetValue<string>().ShouldBe(AuditActions.AlertAcknowledged);
        e["source"]!.GetValue<string>().ShouldBe("fraud-service");
        e["actor"]!["type"]!.GetValue<string>().ShouldBe("user");
        e["actor"]!["id"]!.GetValue<string>().ShouldBe("analyst-9");
        e["subject"]!["type"]!.GetValue<string>().ShouldBe("alert");
        e["details"]!["acknowledgedBy"]!.GetValue<string>().ShouldBe("analyst-9");
        e["details"]!["note"]!.GetValue<string>().ShouldBe("called the customer");
        var eventId = e["eventId"]!.GetValue<string>();
        var published = await env.FraudSidecar.PubSub.WaitForPublishedAsync(m => m.Topic == AuditTopics.Recorded && m.CloudEventId == eventId,
            TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        EventSchemas.AssertValid(AuditTopics.Recorded, published.CloudEvent!["data"]!.ToJsonString());
    }
}
