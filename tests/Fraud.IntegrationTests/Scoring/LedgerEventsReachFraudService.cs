using System.Net.Http.Json;
using System.Text;
using LedgerX.Fraud.Api.Events;
using LedgerX.Fraud.IntegrationTests.Infrastructure;
using LedgerX.LocalDapr.PubSub;
using Npgsql;

namespace LedgerX.Fraud.IntegrationTests.Scoring;

/// <summary>Events published by the real ledger arrive at fraud-service through the sidecars; each counts once; what
/// cannot be read goes to the dead-letter topic.</summary>
[Collection(FraudAndLedgerCollection.Name)]
public sealed class LedgerEventsReachFraudService(FraudAndLedger env)
{
    [Fact]
    public async Task ADepositPostedByTheLedger_IsAssessed_AndARedeliveryOfItCountsOnce()
    {
        var account = await env.OpenAccountAsync("dup-owner");
        var entry = await env.DepositAsync(account, 5_000);
        var profile = await env.WaitForMovementsAsync(account, 1);
        profile.Inflows.Count.ShouldBe(1);
        var (eventId, payload) = await PostedEventAsync(entry);

        // The same CloudEvent again, as a broker redelivery or a relay crash between publish and mark would send it.
        await env.LedgerDapr.PublishByteEventAsync(Components.PubSub, Topics.TransactionPosted, Encoding.UTF8.GetBytes(payload), "application/json",
            new Dictionary<string, string> { ["cloudevent.id"] = eventId.ToString() });
        await FraudAndLedger.WaitUntilAsync(
            () => env.FraudSidecar.PubSub.Deliveries.Count(d => d.CloudEventId == eventId.ToString() && d.Outcome == DeliveryOutcome.Success) >= 2,
            "the redelivery to be acknowledged");

        profile = await env.RiskProfileAsync(account);
        profile.Movements.ShouldBe(1);
        profile.Inflows.Count.ShouldBe(1);
        profile.RecentAssessments.Count(a => a.EventId == eventId).ShouldBe(1);
        (await FraudScalarAsync<long>($"SELECT count(*) FROM processed_events WHERE event_id = '{eventId}'")).ShouldBe(1);
    }

    [Fact]
    public async Task AMalformedPayload_IsDroppedToTheDeadLetterTopic_NotRetried()
    {
        var unreadable = Guid.NewGuid().ToString();
        var incomplete = Guid.NewGuid().ToString();

        await env.LedgerDapr.PublishByteEventAsync(Components.PubSub, Topics.TransactionPosted, """{"eventId":"not-a-uuid"}"""u8.ToArray(), "application/json",
            new Dictionary<string, string> { ["cloudevent.id"] = unreadable });
        await env.LedgerDapr.PublishByteEventAsync(Components.PubSub, Topics.TransactionPosted,
            Encoding.UTF8.GetBytes($$"""{"eventId":"{{incomplete}}","kind":"deposit","postings":[]}"""), "application/json",
            new Dictionary<string, string> { ["cloudevent.id"] = incomplete });

        foreach (var id in new[] { unreadable, incomplete })
        {
            var delivery = await env.FraudSidecar.PubSub.WaitForDeliveryAsync(d => d.CloudEventId == id && d.Topic == Topics.TransactionPosted, TimeSpan.FromSeconds(10));
            delivery.Outcome.ShouldBe(DeliveryOutcome.DeadLettered);
            delivery.Attempts.ShouldBe(1);
        }
        await FraudAndLedger.WaitUntilAsync(
            () => env.DeadLetters.CloudEventIds.Contains(unreadable) && env.DeadLetters.CloudEventIds.Contains(incomplete),
            "both messages to arrive on the dead-letter topic");
        (await FraudScalarAsync<long>($"SELECT count(*) FROM processed_events WHERE event_id = '{incomplete}'")).ShouldBe(0);
    }

    [Fact]
    public async Task AHold_IsAssessedAsAnOutflowWhenItIsCreated()
    {
        var payer = await env.OpenAccountAsync("hold-payer");
        var payee = await env.OpenAccountAsync("hold-payee");
        await env.DepositAsync(payer, 50_000);
        await env.WaitForMovementsAsync(payer, 1);

        var response = await env.Ledger.Client.PostAsJsonAsync("/api/v1/holds", new { accountId = payer, toAccountId = payee, amount = 12_345, currency = "EUR" });
        await FraudAndLedger.ExpectAsync(response, System.Net.HttpStatusCode.Created);

        var profile = await env.WaitForMovementsAsync(payer, 2);
        profile.Outflows.Count.ShouldBe(1);
        profile.Outflows.Mean.ShouldBe(12_345);
        profile.KnownCounterparties.ShouldBe(1);
    }

    /// <summary>A withdrawal's reversal: the saga holds on the currency's world account (hold.created.v1 with reversalId).
    /// fraud-service acknowledges it like any event but scores nothing: no profile for the world account, no outflow.</summary>
    [Fact]
    public async Task AReversalSagasHoldOnTheWorldAccount_IsAcknowledged_ButNotAssessed()
    {
        var customer = await env.OpenAccountAsync("atm-user");
        await env.DepositAsync(customer, 10_000);
        var withdrawal = await env.Ledger.Client.PostAsJsonAsync("/api/v1/withdrawals", new { accountId = customer, amount = 300, currency = "EUR" });
        await FraudAndLedger.ExpectAsync(withdrawal, System.Net.HttpStatusCode.Created);
        var withdrawalId = (await withdrawal.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["id"]!.GetValue<Guid>();

        var requested = await env.Ledger.Client.PostAsJsonAsync("/api/v1/reversals", new { entryId = withdrawalId, reason = "ATM dispensed nothing" });
        await FraudAndLedger.ExpectAsync(requested, System.Net.HttpStatusCode.Accepted);
        var reversalId = (await requested.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["id"]!.GetValue<Guid>();
        Guid? holdEvent = null;
        await FraudAndLedger.WaitUntilAsync(async () => (holdEvent = await LedgerScalarAsync<Guid?>(
            $"SELECT event_id FROM event_log WHERE type = 'hold.created.v1' AND payload::jsonb ->> 'reversalId' = '{reversalId}'")) is not null,
            "the saga's hold on the world account");
        await FraudAndLedger.WaitUntilAsync(
            async () => await FraudScalarAsync<long>($"SELECT count(*) FROM processed_events WHERE event_id = '{holdEvent}'") == 1,
            "fraud-service to acknowledge the saga's hold");

        var world = (await LedgerScalarAsync<Guid?>("SELECT id FROM accounts WHERE kind = 'world' AND currency = 'EUR'"))!.Value;
        (await FraudScalarAsync<int>($"SELECT alerts FROM processed_events WHERE event_id = '{holdEvent}'")).ShouldBe(0);
        // Never assessed, so no profile at all (404).
        (await env.TryRiskProfileAsync(world)).ShouldBeNull();
        (await env.RiskProfileAsync(customer)).RecentAssessments.ShouldNotContain(a => a.EventId == holdEvent);
    }

    private async Task<T?> LedgerScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(env.Ledger.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync() is T value ? value : default;
    }

    private async Task<(Guid EventId, string Payload)> PostedEventAsync(Guid entryId)
    {
        await using var connection = new NpgsqlConnection(env.Ledger.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT event_id, payload FROM event_log WHERE type = 'transaction.posted.v1' AND payload::jsonb ->> 'entryId' = $1", connection)
        {
            Parameters = { new NpgsqlParameter<string> { TypedValue = entryId.ToString() } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        return (reader.GetGuid(0), reader.GetString(1));
    }

    private async Task<T> FraudScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(env.Fraud.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
