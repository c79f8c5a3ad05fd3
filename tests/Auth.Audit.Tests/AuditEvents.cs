using System.Net.Http.Json;
using System.Text.Json;
using LedgerX.Auth.Audit.Apis;
using LedgerX.ServiceDefaults.Audit;

namespace LedgerX.Auth.Audit.Tests;

/// <summary>Events and reads the tests share.</summary>
internal static class AuditEvents
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static AuditRecorded Event(
        string actorId, string action = AuditActions.SignInSucceeded, string outcome = AuditOutcomes.Succeeded, AuditSubject? subject = null,
        string actorType = "user", DateTimeOffset? occurredAt = null, IReadOnlyDictionary<string, string>? details = null)
    {
        var e = AuditRecorded.Create(TimeProvider.System, "auth-service", new AuditActor(actorType, actorId), action, outcome, subject, details);
        return occurredAt is { } at ? e with { OccurredAt = at } : e;
    }

    public static async Task<AuditEventPage> PageAsync(this HttpClient client, string query)
    {
        var response = await client.GetAsync($"/api/v1/audit/events?{query}", TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<AuditEventPage>(Json, TestContext.Current.CancellationToken))!;
    }

    public static async Task<VerifyResponse> VerifyAsync(this HttpClient client)
    {
        var response = await client.PostAsync("/api/v1/audit/verify", null, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<VerifyResponse>(Json, TestContext.Current.CancellationToken))!;
    }

    /// <summary>Polls the query API until the actor's records number <paramref name="count"/> (deliveries are asynchronous).</summary>
    public static async Task<AuditEventPage> WaitForActorAsync(this HttpClient client, string actorId, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var page = await client.PageAsync($"actorId={actorId}&limit=200");
            if (page.Items.Count >= count)
            {
                return page;
            }
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"{count} audit records of {actorId} did not arrive (have {page.Items.Count})");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
