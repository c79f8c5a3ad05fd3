using LedgerX.Auth.Api.Persistence;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Auth.IntegrationTests.Audit;

/// <summary>Security events leave the outboxes: audit events to audit.recorded.v1, account messages to
/// auth.account_message.v1, both through the sidecar's pub/sub.</summary>
public sealed class AuditEventsArePublished(AuthServer server)
{
    [Fact]
    public async Task ARegistrationsAuditEventAndConfirmationMessageArePublished()
    {
        var (id, _) = await Accounts.ConfirmedUserAsync(server);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        bool auditPublished, messagePublished;
        do
        {
            await Task.Delay(200);
            await using var scope = server.App.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
            // Filtered here: the payload is jsonb, which has no LIKE; the test database is small.
            var audit = (await db.Set<AuditOutboxRow>().AsNoTracking().ToListAsync()).Where(r => r.Payload.Contains(id.ToString(), StringComparison.Ordinal)).ToList();
            auditPublished = audit.Count >= 2 && audit.All(r => r.PublishedAt is not null);
            var messages = (await db.Outbox.AsNoTracking().ToListAsync()).Where(r => r.Payload.Contains(id.ToString(), StringComparison.Ordinal)).ToList();
            messagePublished = messages.Count >= 1 && messages.All(r => r.SentAt is not null);
        }
        while (!(auditPublished && messagePublished) && DateTime.UtcNow < deadline);

        auditPublished.ShouldBeTrue("the registration's and confirmation's audit events were not published");
        messagePublished.ShouldBeTrue("the confirmation message was not published");
    }
}
