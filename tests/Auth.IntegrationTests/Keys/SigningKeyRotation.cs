using LedgerX.Auth.Api.Keys;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LedgerX.Auth.IntegrationTests.Keys;

/// <summary>
/// A new key is added to the secret while tokens are issued and validated without pause: the new key signs from its
/// pick-up on, the old one stays in the JWKS, and no validation fails, neither auth-service's own nor that of a
/// validator that fetches the JWKS the way every LedgerX service does (again on an unknown kid).
/// </summary>
public sealed class SigningKeyRotation(AuthServer server)
{
    [Fact]
    public async Task ANewKeyTakesOverWithoutAFailedValidation()
    {
        var before = await OAuth.CodeFlowAsync(server, AuthServer.CustomerEmail, AuthServer.CustomerPassword, $"openid {Permissions.LedgerRead}");
        var oldKid = before.Jwt.Kid;
        var validator = new JwksValidator(server);
        var failures = new List<string>();
        var checkedTokens = 0;
        using var stop = new CancellationTokenSource();

        // Issue and validate continuously while the key changes underneath.
        var traffic = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var token = await OAuth.ClientCredentialsAsync(server.Client, Permissions.LedgerRead);
                foreach (var jwt in new[] { token.AccessToken, before.AccessToken })
                {
                    if (await validator.ValidateAsync(jwt) is { } error)
                    {
                        lock (failures) { failures.Add(error); }
                    }
                }
                using var me = await Accounts.SendAsync(server, HttpMethod.Get, "/api/v1/users/me", before.AccessToken);
                if (me.StatusCode != HttpStatusCode.OK)
                {
                    lock (failures) { failures.Add($"auth-service refused the old token: {(int)me.StatusCode}"); }
                }
                // A valid machine token without users:admin is forbidden (403); one auth-service cannot validate is 401.
                using var fresh = await Accounts.SendAsync(server, HttpMethod.Get, $"/api/v1/admin/users/{Guid.Empty}/roles", token.AccessToken);
                if (fresh.StatusCode != HttpStatusCode.Forbidden)
                {
                    lock (failures) { failures.Add($"auth-service did not validate a fresh token signed by {token.Jwt.Kid}: {(int)fresh.StatusCode}"); }
                }
                Interlocked.Increment(ref checkedTokens);
            }
        });

        await Task.Delay(300);
        var current = KeyRingState.Parse(Environment.GetEnvironmentVariable(server.KeysVariable)!);
        var newKid = "it-key-" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(server.KeysVariable,
            TestKeys.Json([.. current, TestKeys.New(newKid, DateTimeOffset.UtcNow)]));

        var deadline = DateTime.UtcNow.AddSeconds(20);
        string kid;
        do
        {
            await Task.Delay(200);
            kid = (await OAuth.ClientCredentialsAsync(server.Client, Permissions.LedgerRead)).Jwt.Kid;
        }
        while (kid != newKid && DateTime.UtcNow < deadline);
        await Task.Delay(500);
        await stop.CancelAsync();
        await traffic;

        kid.ShouldBe(newKid);
        failures.ShouldBeEmpty();
        checkedTokens.ShouldBeGreaterThan(3);
        var jwks = (await server.Client.GetFromJsonAsync<JsonObject>("/.well-known/jwks"))!["keys"]!.AsArray()
            .Select(k => k!["kid"]!.GetValue<string>()).ToList();
        jwks.ShouldContain(oldKid);
        jwks.ShouldContain(newKid);
        var rotated = await server.AuditAsync(AuditActions.SigningKeyRotated, newKid);
        rotated.Count.ShouldBe(1);
        rotated[0].GetProperty("details").GetProperty("previous_kid").GetString().ShouldBe(oldKid);
    }

    /// <summary>Validates like a resource server: keys from the JWKS, fetched again when a token names an unknown kid.</summary>
    private sealed class JwksValidator(AuthServer server)
    {
        private JsonWebKeySet? _keys;

        public async Task<string?> ValidateAsync(string token)
        {
            var kid = new JsonWebToken(token).Kid;
            if (_keys is null || !_keys.Keys.Any(k => k.Kid == kid))
            {
                _keys = new JsonWebKeySet(await server.Client.GetStringAsync("/.well-known/jwks"));
            }
            var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
            {
                ValidIssuer = server.Issuer,
                ValidAudience = LedgerXClaims.ApiAudience,
                IssuerSigningKeys = _keys.Keys,
            });
            return result.IsValid ? null : $"{kid}: {result.Exception?.Message}";
        }
    }
}
