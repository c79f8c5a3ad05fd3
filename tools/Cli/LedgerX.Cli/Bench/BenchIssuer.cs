using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace LedgerX.Cli.Bench;

/// <summary>
/// The throwaway environment's stand-in for auth-service: transaction-service trusts only tokens whose keys it fetches
/// through its sidecar, and the bench starts neither auth-service nor a sidecar. So this listens where the service's
/// sidecar would (its DAPR_HTTP_ENDPOINT), answers the one invocation the service makes of it,
/// <c>GET /v1.0/invoke/auth-service/method/.well-known/jwks</c>, with a key of its own, and signs the bench's token
/// (RS256, <c>ledger:write</c>) with it. Nothing else is answered.
/// </summary>
internal sealed class BenchIssuer : IAsyncDisposable
{
    /// <summary>Not auth-service's issuer: a token minted here is good for the throwaway service only.</summary>
    public const string Issuer = "http://ledgerx-bench/";
    private const string JwksPath = "/v1.0/invoke/auth-service/method/.well-known/jwks";
    private const string Kid = "ledgerx-bench";

    private readonly RSA _key = RSA.Create(2048);
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _serving = Task.CompletedTask;

    public Uri Endpoint { get; private set; } = new("http://127.0.0.1/");

    public static BenchIssuer Start()
    {
        var issuer = new BenchIssuer();
        issuer.Endpoint = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{LedgerX.LocalDapr.Launcher.PortReservation.Next()}/"));
        issuer._listener.Prefixes.Add(issuer.Endpoint.ToString());
        issuer._listener.Start();
        issuer._serving = issuer.ServeAsync();
        return issuer;
    }

    /// <summary>A token the throwaway service accepts for opening accounts, valid for <paramref name="lifetime"/>.</summary>
    public string Mint(string subject, TimeSpan lifetime)
    {
        var now = DateTimeOffset.UtcNow;
        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "at+jwt", ["kid"] = Kid };
        var payload = new JsonObject
        {
            ["iss"] = Issuer, ["aud"] = "ledgerx-api", ["sub"] = subject, ["client_id"] = "ledgerx-bench",
            // A teller over its own accounts: it funds them (ledger:fund) and verifies the ledger at the end (ledger:verify).
            ["scope"] = "ledger:read ledger:write ledger:fund ledger:verify",
            ["iat"] = now.ToUnixTimeSeconds(), ["nbf"] = now.ToUnixTimeSeconds(), ["exp"] = (now + lifetime).ToUnixTimeSeconds(),
        };
        var input = $"{Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString()))}.{Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()))}";
        return $"{input}.{Base64Url(_key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))}";
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            // One failed answer must not end the serving: on a loaded machine the service's key fetch can give up
            // (KeyFetchTimeoutMs) before the answer is written, and its retry a few seconds later must find us still here,
            // or every token the bench sends is refused as "signed by a key auth-service does not publish".
            try
            {
                using var response = context.Response;
                if (context.Request.HttpMethod == "GET" && context.Request.Url?.AbsolutePath == JwksPath)
                {
                    var body = Encoding.UTF8.GetBytes(Jwks());
                    response.ContentType = "application/json";
                    await response.OutputStream.WriteAsync(body);
                }
                else
                {
                    response.StatusCode = (int)HttpStatusCode.NotFound;
                }
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
            {
                // The caller hung up; it retries.
            }
        }
    }

    private string Jwks()
    {
        var key = _key.ExportParameters(includePrivateParameters: false);
        var jwk = new JsonObject
        {
            ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = Kid, ["n"] = Base64Url(key.Modulus!), ["e"] = Base64Url(key.Exponent!),
        };
        return new JsonObject { ["keys"] = new JsonArray(jwk) }.ToJsonString();
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Close();
        await _serving;
        _stop.Dispose();
        _key.Dispose();
    }
}
