using System.Reflection;
using System.Text.Json;
using LedgerX.Auth.Audit.Apis;
using LedgerX.Testing;

namespace LedgerX.Auth.Audit.Tests;

/// <summary>docs/api/audit.md describes what the code does: every query parameter, route, break reason and topic name.</summary>
public sealed class AuditLogDocsTests
{
    private static readonly string Doc = File.ReadAllText(RepositoryRoot.PathOf("docs", "api", "audit.md"));

    [Fact]
    public void EveryQueryParameter_IsDocumented()
    {
        var parameters = typeof(AuditEventsApi.ListQuery).GetConstructors().Single().GetParameters()
            .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name!));
        parameters.Where(p => !Doc.Contains($"`{p}`", StringComparison.Ordinal)).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("GET /api/v1/audit/events`")]
    [InlineData("GET /api/v1/audit/events/{sequence}`")]
    [InlineData("POST /api/v1/audit/verify`")]
    [InlineData("POST /events/audit-recorded")]
    [InlineData("`sequence_gap`")]
    [InlineData("`chain_broken`")]
    [InlineData("`hash_mismatch`")]
    [InlineData("`head_mismatch`")]
    [InlineData("404 audit_event_not_found")]
    [InlineData("**`auth-service.dead-letters`**")]
    [InlineData("**`audit:read`**")]
    public void TheDoc_Names(string text) => Doc.ShouldContain(text);

    [Fact]
    public void TheDeadLetterTopicAndRoute_AreTheCodes()
    {
        Doc.ShouldContain(Subscriptions.AuditLogTopics.DeadLetters);
        Doc.ShouldContain(Subscriptions.AuditRecordedSubscription.Route);
        typeof(AuditEventsApi).GetField(nameof(AuditEventsApi.MaxPageSize), BindingFlags.Public | BindingFlags.Static)!.GetValue(null).ShouldBe(200);
        Doc.ShouldContain("1 to 200, default 50");
    }
}
