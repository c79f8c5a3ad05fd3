namespace LedgerX.Auth.Api.Connect;

/// <summary>The OAuth / OpenID Connect endpoint paths (discovery lists them at /.well-known/openid-configuration).</summary>
public static class Endpoints
{
    public const string Authorize = "connect/authorize";
    public const string Token = "connect/token";
    public const string Introspect = "connect/introspect";
    public const string Revoke = "connect/revoke";
    public const string UserInfo = "connect/userinfo";
    public const string Device = "connect/device";
    public const string Verify = "connect/verify";
    public const string Jwks = ".well-known/jwks";
}
