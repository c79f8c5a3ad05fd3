using LedgerX.Auth.Api.Accounts;
using LedgerX.Testing;

namespace LedgerX.Auth.IntegrationTests.Users;

/// <summary>auth.user_contact.v1 (for notification-service) is written to the outbox on registration, unconfirmed, and
/// again on confirmation, confirmed; each payload fits the published schema.</summary>
public sealed class ContactIsPublished(AuthServer server)
{
    [Fact]
    public async Task RegistrationAndConfirmationPublishTheContact()
    {
        var (id, email) = await Accounts.ConfirmedUserAsync(server);

        var contacts = (await server.OutboxAsync(UserContactChanged.Topic)).Where(c => c.GetProperty("userId").GetString() == id.ToString()).ToList();

        contacts.Count.ShouldBe(2);
        contacts.ShouldAllBe(c => c.GetProperty("email").GetString() == email);
        contacts[0].GetProperty("emailConfirmed").GetBoolean().ShouldBeFalse();
        contacts[1].GetProperty("emailConfirmed").GetBoolean().ShouldBeTrue();
        foreach (var contact in contacts)
        {
            EventSchemas.AssertValid(UserContactChanged.Topic, contact);
        }
        foreach (var message in await server.OutboxAsync(AccountMessage.Topic))
        {
            EventSchemas.AssertValid(AccountMessage.Topic, message);
        }
    }
}
