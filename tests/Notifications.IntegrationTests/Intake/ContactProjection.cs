using LedgerX.Notifications.IntegrationTests.Infrastructure;
using Npgsql;

namespace LedgerX.Notifications.IntegrationTests.Intake;

/// <summary>The contact projection keeps the newest contact event per user, whatever order or overlap the deliveries
/// come in: a registration and its confirmation are published moments apart and can be delivered at the same time.</summary>
[Collection(NotificationServiceCollection.Name)]
public sealed class ContactProjection(NotificationService service)
{
    [Fact]
    public async Task ARegistrationAndItsConfirmationDeliveredTogether_LeaveTheAddressConfirmed()
    {
        var users = Enumerable.Range(0, 12).Select(_ => Callers.NewSubject("contact")).ToList();
        var registeredAt = DateTimeOffset.UtcNow;

        // Both events of every user at once: the inserts race for each user's row.
        await Task.WhenAll(users.SelectMany(user => new[]
        {
            PublishAsync(user, confirmed: false, registeredAt),
            PublishAsync(user, confirmed: true, registeredAt.AddMilliseconds(5)),
        }));

        foreach (var user in users)
        {
            await NotificationService.EventuallyAsync(async () => await ConfirmedAsync(user) == true ? "confirmed" : null,
                $"{user}'s confirmation to win over the registration");
        }
    }

    [Fact]
    public async Task AnOlderContactDeliveredLate_DoesNotUndoANewerOne()
    {
        var user = Callers.NewSubject("contact");
        var now = DateTimeOffset.UtcNow;
        await PublishAsync(user, confirmed: true, now);
        await NotificationService.EventuallyAsync(async () => await ConfirmedAsync(user) == true ? "confirmed" : null, "the confirmation");

        var late = await PublishAsync(user, confirmed: false, now.AddSeconds(-1), email: "old@example.test");
        await NotificationService.EventuallyAsync(async () => await ProcessedAsync(late) ? "processed" : null, "the late event to be handled");

        (await ConfirmedAsync(user)).ShouldBe(true);
    }

    private async Task<Guid> PublishAsync(string user, bool confirmed, DateTimeOffset at, string? email = null)
    {
        var eventId = Guid.CreateVersion7();
        await service.PublishAsync("auth.user_contact.v1", eventId, new
        {
            eventId, occurredAt = at, userId = user, email = email ?? $"{user}@example.test", emailConfirmed = confirmed,
        });
        return eventId;
    }

    private async Task<bool> ProcessedAsync(Guid eventId)
    {
        await using var connection = new NpgsqlConnection(service.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM intake_processed_events WHERE event_id = @id", connection);
        command.Parameters.AddWithValue("id", eventId);
        return (long)(await command.ExecuteScalarAsync())! == 1;
    }

    private async Task<bool?> ConfirmedAsync(string user)
    {
        await using var connection = new NpgsqlConnection(service.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT email_confirmed FROM user_contacts WHERE user_id = @user", connection);
        command.Parameters.AddWithValue("user", user);
        return await command.ExecuteScalarAsync() is bool confirmed ? confirmed : null;
    }
}
