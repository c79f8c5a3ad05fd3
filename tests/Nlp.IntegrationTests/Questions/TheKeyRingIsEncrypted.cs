using System.Net;
using LedgerX.Nlp.IntegrationTests.Infrastructure;
using Npgsql;

namespace LedgerX.Nlp.IntegrationTests.Questions;

/// <summary>
/// The Data Protection key ring that encrypts relayed access tokens is itself encrypted in the database with the
/// certificate from the secret store (ADR 0025, addendum): a dump of the database yields no key, so no token.
/// </summary>
[Collection(NlpServiceCollection.Name)]
public sealed class TheKeyRingIsEncrypted(NlpService service)
{
    [Fact]
    public async Task TheKeyRingInTheDatabaseHoldsNoPlaintextKey()
    {
        using var response = await service.App.Client.PostAsAsync("/api/v1/questions", new { question = "how much did I spend this month?" }, Callers.Customer());
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());

        await using var connection = new NpgsqlConnection(service.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT xml FROM nlp_data_protection_keys", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<string>();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetString(0));
        }

        keys.ShouldNotBeEmpty("asking relays the asker's token, protected with the key ring");
        foreach (var key in keys)
        {
            key.ShouldContain("<encryptedSecret");
            key.ShouldNotContain("<masterKey");
        }
    }
}
