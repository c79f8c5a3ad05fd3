using LedgerX.Auth.Api.Seeding;

namespace LedgerX.Auth.UnitTests;

/// <summary>A service client auth-service could not register as configured stops the start, naming the setting.</summary>
public sealed class ServiceClientsValidation
{
    private static IReadOnlyList<string> Errors(string clientId, string scopes) =>
        new ServiceClientsValidator().Validate(null, new SeedOptions
        {
            ServiceClients = { [clientId] = new ServiceClientOptions { Scopes = scopes } },
        }).Failures?.ToList() ?? [];

    [Fact]
    public void AClientWithKnownPermissions_IsValid() =>
        Errors("fraud-service", "accounts:freeze accounts:any ledger:write ledger:read").ShouldBeEmpty();

    [Fact]
    public void AnUnknownScope_IsNamed() =>
        Errors("fraud-service", "accounts:freeze ledger:everything").ShouldBe(
            ["Auth:Seed:ServiceClients:fraud-service:Scopes: 'ledger:everything' is not a LedgerX permission."]);

    [Fact]
    public void NoScopes_OrABadClientId_AreRefused()
    {
        Errors("fraud-service", " ").ShouldBe(["Auth:Seed:ServiceClients:fraud-service:Scopes is required."]);
        Errors("fraud service", "ledger:read").ShouldHaveSingleItem().ShouldContain("a client id is");
    }

    [Fact]
    public void TheSecretName_DefaultsToTheClientsOwn() =>
        new ServiceClientOptions { Scopes = "ledger:read" }.SecretNameFor("fraud-service").ShouldBe("fraud-service-client-secret");
}
