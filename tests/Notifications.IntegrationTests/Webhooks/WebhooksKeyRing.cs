using LedgerX.Notifications.IntegrationTests.Infrastructure;
using Npgsql;

namespace LedgerX.Notifications.IntegrationTests.Webhooks;

/// <summary>
/// The Data Protection key ring that encrypts webhook signing secrets is itself encrypted in the database with the
/// certificate from the secret store (ADR 0025, addendum), so a dump of the database yields neither; and after the
/// certificate is rotated (the new one first, the old one still listed) the secrets stored before still sign.
/// </summary>
[Collection(WebhooksServiceCollection.Name)]
public sealed class WebhooksKeyRing(WebhooksService service)
{
    [Fact]
    public async Task TheKeyRingInTheDatabaseHoldsNoPlaintextKey()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await service.RegisterAsync(Callers.Customer(Callers.NewSubject()), receiver);

        var keys = await StoredKeysAsync();

        keys.ShouldNotBeEmpty("registering an endpoint protects its secret with the key ring");
        foreach (var key in keys)
        {
            key.ShouldContain("<encryptedSecret");
            key.ShouldNotContain("<masterKey");
        }
    }

    [Fact]
    public async Task AfterACertificateRotation_SecretsStoredBeforeStillSign()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var owner = Callers.Customer(Callers.NewSubject());
        await service.RegisterAsync(owner, receiver);

        try
        {
            await service.RestartWithKeyRingAsync($"{TestKeyRingCertificates.Create("rotated")},{TestKeyRingCertificates.Shared}");
            await service.AcceptAsync(WebhooksService.Credited(owner.Subject));

            var delivered = (await receiver.WaitForAsync(r => r.Processed)).ShouldHaveSingleItem();
            delivered.SignatureValid.ShouldBeTrue("the secret was decrypted with the key encrypted to the previous certificate");
        }
        finally
        {
            // The collection's other tests expect the shared certificate alone.
            await service.RestartAsync();
        }
    }

    private async Task<List<string>> StoredKeysAsync()
    {
        await using var connection = new NpgsqlConnection(service.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT xml FROM webhook_data_protection_keys", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<string>();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }
}
