using LedgerX.Fraud.Api.ServiceIdentity;
using LedgerX.Fraud.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace LedgerX.Fraud.IntegrationTests.Policy;

/// <summary>fraud-service's own token, from the (fake) auth-service through its sidecar: the client it is issued to, only
/// the configured permissions, asked for once and reused until it is dropped.</summary>
[Collection(FraudAndLedgerCollection.Name)]
public sealed class ServiceTokenReuse(FraudAndLedger env)
{
    [Fact]
    public async Task TheTokenIsFraudServicesOwn_ReusedWhileValid_AndAskedAgainOnlyAfterItWasDropped()
    {
        var tokens = env.Fraud.Services.GetRequiredService<ServiceTokenSource>();
        var ct = TestContext.Current.CancellationToken;

        var first = await tokens.GetAsync(ct);
        var issued = env.Auth.TokensIssued;
        (await tokens.GetAsync(ct)).ShouldBe(first);
        env.Auth.TokensIssued.ShouldBe(issued, "a valid cached token is reused");

        var jwt = new JsonWebToken(first);
        jwt.Subject.ShouldBe("fraud-service");
        jwt.GetClaim("client_id").Value.ShouldBe("fraud-service");
        jwt.GetClaim("scope").Value.Split(' ').ShouldBe(["accounts:freeze", "accounts:any", "ledger:write", "ledger:read"], ignoreOrder: true);

        tokens.Invalidate();
        await tokens.GetAsync(ct);
        env.Auth.TokensIssued.ShouldBe(issued + 1, "a dropped token (the ledger answered 401) is asked for again");
    }
}
