using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Analytics.Api.Rebuild;
using LedgerX.Analytics.IntegrationTests.Infrastructure;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.Testing;
using Npgsql;

namespace LedgerX.Analytics.IntegrationTests.ReadModels;

/// <summary>A rebuild is a privileged action: one audit event per committed rebuild, in its transaction, by the token's
/// principal, and none for a refused one. Its replay is an export of the ledger's log on the caller's behalf (their token
/// is forwarded), which the ledger audits as that caller's.</summary>
[Collection(LedgerAndAnalyticsCollection.Name)]
public sealed class AuditedRebuild(LedgerAndAnalytics env)
{
    private async Task<List<JsonObject>> AuditEventsAsync(string connectionString, string action)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(array_agg(payload::text ORDER BY enqueued_at, event_id), '{}') FROM audit_outbox WHERE payload->>'action' = @action", connection);
        command.Parameters.AddWithValue("action", action);
        var payloads = (string[])(await command.ExecuteScalarAsync())!;
        foreach (var payload in payloads)
        {
            EventSchemas.AssertValid(AuditTopics.Recorded, payload);
        }
        return [.. payloads.Select(p => JsonNode.Parse(p)!.AsObject())];
    }

    /// <summary>As <paramref name="caller"/>, through a sidecar of app id <paramref name="callerApp"/>: the token's principal,
    /// not the relaying app, is the actor.</summary>
    private async Task<HttpResponseMessage> RebuildAsync(string callerApp, Caller? caller = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/admin/rebuild");
        request.Headers.Add(AuditCaller.DaprCallerHeader, callerApp);
        return await env.Analytics.Client.SendAsAsync(request, caller ?? Callers.Admin);
    }

    [Fact]
    public async Task ARebuild_IsAuditedOnce_ByItsCaller_AndTheLedgerAuditsTheExportAsTheSameCaller()
    {
        await env.OpenAccountAsync("audited-rebuild");
        var before = (await AuditEventsAsync(env.Analytics.ConnectionString, AuditActions.AnalyticsRebuilt)).Count;
        var exportsBefore = (await AuditEventsAsync(env.Ledger.ConnectionString, AuditActions.EventLogExported))
            .Count(e => e["actor"]!["id"]!.GetValue<string>() == "operator-7");

        var rebuilder = new Caller("operator-7", LedgerX.ServiceDefaults.Auth.Permissions.AnalyticsRebuild, LedgerX.ServiceDefaults.Auth.Permissions.LedgerVerify);
        var response = await RebuildAsync("ops-console", rebuilder);

        await LedgerAndAnalytics.ExpectAsync(response, HttpStatusCode.OK);
        var report = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var events = await AuditEventsAsync(env.Analytics.ConnectionString, AuditActions.AnalyticsRebuilt);
        events.Count.ShouldBe(before + 1);
        var e = events[^1];
        e["source"]!.GetValue<string>().ShouldBe("analytics-service");
        e["actor"]!["type"]!.GetValue<string>().ShouldBe("user");
        e["actor"]!["id"]!.GetValue<string>().ShouldBe("operator-7");
        e["outcome"]!.GetValue<string>().ShouldBe(AuditOutcomes.Succeeded);
        e["details"]!["eventsRead"]!.GetValue<string>().ShouldBe($"{report["eventsRead"]!.GetValue<long>()}");
        (await AuditEventsAsync(env.Ledger.ConnectionString, AuditActions.EventLogExported))
            .Count(x => x["actor"]!["id"]!.GetValue<string>() == "operator-7").ShouldBe(exportsBefore + 1);
    }

    [Fact]
    public async Task ARefusedRebuild_IsNotAudited()
    {
        await using var otherReplica = new NpgsqlConnection(env.Analytics.ConnectionString);
        await otherReplica.OpenAsync();
        await using var transaction = await otherReplica.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@id)", otherReplica, transaction))
        {
            take.Parameters.AddWithValue("id", ReadModelRebuilder.RebuildLockId);
            await take.ExecuteNonQueryAsync();
        }
        var before = (await AuditEventsAsync(env.Analytics.ConnectionString, AuditActions.AnalyticsRebuilt)).Count;

        (await RebuildAsync("ops-console")).StatusCode.ShouldBe(HttpStatusCode.Conflict);

        (await AuditEventsAsync(env.Analytics.ConnectionString, AuditActions.AnalyticsRebuilt)).Count.ShouldBe(before);
        await transaction.RollbackAsync();
    }
}
