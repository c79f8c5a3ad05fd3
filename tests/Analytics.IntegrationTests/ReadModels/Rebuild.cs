using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Analytics.Api.Rebuild;
using LedgerX.Analytics.IntegrationTests.Infrastructure;
using Npgsql;

namespace LedgerX.Analytics.IntegrationTests.ReadModels;

/// <summary>Replaying the ledger's log (through Dapr invocation of transaction-service) rebuilds exactly what live delivery built.</summary>
[Collection(LedgerAndAnalyticsCollection.Name)]
public sealed class Rebuild(LedgerAndAnalytics env)
{
    [Fact]
    public async Task AfterARebuild_TheReadModelsEqualThoseBuiltLive_AndARepeatChangesNothing()
    {
        var frank = await env.OpenAccountAsync("frank-rebuild");
        var grace = await env.OpenAccountAsync("grace-rebuild");
        await env.DepositAsync(frank, 5_000, category: "salary");
        await env.TransferAsync(frank, grace, 1_200, category: "rent");
        var hold = await (await env.Ledger.Client.PostAsJsonAsync("/api/v1/holds", new { accountId = frank, toAccountId = grace, amount = 300, currency = "EUR" }))
            .Content.ReadFromJsonAsync<JsonObject>();
        (await env.Ledger.Client.PostAsJsonAsync($"/api/v1/holds/{hold!["id"]}/void", new { })).EnsureSuccessStatusCode();
        await env.Publisher.PublishEventAsync("pubsub", "fraud.flagged.v1",
            new { eventId = Guid.CreateVersion7(), alertId = Guid.CreateVersion7(), accountId = frank, score = 66m, occurredAt = DateTimeOffset.UtcNow },
            TestContext.Current.CancellationToken);
        await env.WaitUntilLedgerLogAppliedAsync();
        await LedgerAndAnalytics.WaitUntilAsync(async () => await env.ScalarAsync<long>("SELECT count(*) FROM alert_counts WHERE account_id = @a", ("a", frank)) == 1, "the alert");
        var live = await env.DumpReadModelsAsync();
        var activity = await env.Analytics.Client.GetFromJsonAsync<JsonObject>("/api/v1/ledger/activity/daily");
        var kinds = activity!["items"]!.AsArray().Select(a => a!["activity"]!.GetValue<string>()).ToList();
        kinds.ShouldContain("hold.created.v1");
        kinds.ShouldContain("hold.voided.v1");

        var first = await env.Analytics.Client.PostAsync("/api/v1/admin/rebuild", null);
        await LedgerAndAnalytics.ExpectAsync(first, HttpStatusCode.OK);
        var report = await first.Content.ReadFromJsonAsync<JsonObject>();
        report!["eventsRead"]!.GetValue<long>().ShouldBe((await env.LedgerEventsAsync()).Count);

        (await env.DumpReadModelsAsync()).ShouldBe(live);

        await LedgerAndAnalytics.ExpectAsync(await env.Analytics.Client.PostAsync("/api/v1/admin/rebuild", null), HttpStatusCode.OK);
        (await env.DumpReadModelsAsync()).ShouldBe(live);
    }

    [Fact]
    public async Task WhileAnotherReplicaRebuilds_ARebuildIsRefusedWithAConflict()
    {
        // Another replica's rebuild holds the transaction-scoped advisory lock; stand in for it.
        await using var otherReplica = new NpgsqlConnection(env.Analytics.ConnectionString);
        await otherReplica.OpenAsync();
        await using var transaction = await otherReplica.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@id)", otherReplica, transaction))
        {
            take.Parameters.AddWithValue("id", ReadModelRebuilder.RebuildLockId);
            await take.ExecuteNonQueryAsync();
        }

        var refused = await env.Analytics.Client.PostAsync("/api/v1/admin/rebuild", null);

        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await refused.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().ShouldBe("rebuild_in_progress");
        await transaction.RollbackAsync();
        await LedgerAndAnalytics.ExpectAsync(await env.Analytics.Client.PostAsync("/api/v1/admin/rebuild", null), HttpStatusCode.OK);
    }

    [Fact]
    public async Task ConcurrentRebuildRequests_RunOneAtATime()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => env.Analytics.Client.PostAsync("/api/v1/admin/rebuild", null)));

        responses.ShouldContain(r => r.StatusCode == HttpStatusCode.OK);
        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK || r.StatusCode == HttpStatusCode.Conflict);
        foreach (var conflict in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
        {
            (await conflict.Content.ReadAsStringAsync()).ShouldContain("rebuild_in_progress");
        }
    }
}
