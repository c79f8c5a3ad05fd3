using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Net.Http.Headers;

namespace LedgerX.ServiceDefaults.Auth;

/// <summary>A token refused for what it is (expired, forged, for someone else), not for lack of a token.</summary>
public sealed class MissingSubjectException() : SecurityTokenValidationException("The access token names no subject (sub).");

/// <summary>
/// The JWT bearer handler's hooks: look up an unknown signing key before validation, insist on a subject, and answer a
/// refused or missing token with an RFC 9457 problem (code <c>unauthorized</c> or <c>invalid_token</c>) while keeping the
/// <c>WWW-Authenticate</c> header RFC 6750 asks for.
/// </summary>
internal sealed class TokenEvents(SigningKeyCache keys, AuthOptions auth) : JwtBearerEvents
{
    public const string Unauthorized = "unauthorized";
    public const string InvalidToken = "invalid_token";
    private const string BearerPrefix = "Bearer ";

    public override async Task MessageReceived(MessageReceivedContext context)
    {
        string authorization = context.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }
        var token = authorization[BearerPrefix.Length..].Trim();
        context.Token = token;
        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (ArgumentException)
        {
            // Not a JWT at all; validation refuses it with the reason.
            return;
        }
        // Refused before any key is looked up or fetched: `none` and HS* never reach the signature check, where an HMAC
        // "signed" with the public key would only fail by accident of the key type.
        if (!LedgerXAuthentication.AllowedAlgorithms.Contains(jwt.Alg))
        {
            context.Fail(new SecurityTokenInvalidAlgorithmException($"The algorithm {jwt.Alg} is not accepted.") { InvalidAlgorithm = jwt.Alg });
            return;
        }
        await keys.EnsureKeyAsync(jwt.Kid, context.HttpContext.RequestAborted);
    }

    public override Task TokenValidated(TokenValidatedContext context)
    {
        if (string.IsNullOrWhiteSpace(context.Principal?.FindFirst(LedgerXClaims.Subject)?.Value))
        {
            context.Fail(new MissingSubjectException());
        }
        return Task.CompletedTask;
    }

    public override async Task Challenge(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        var (code, detail) = context.AuthenticateFailure is { } failure
            ? (InvalidToken, Describe(failure))
            : (Unauthorized, "This needs an access token from auth-service: send it as Authorization: Bearer <token>.");
        var header = new StringBuilder(JwtBearerDefaults.AuthenticationScheme);
        if (code == InvalidToken)
        {
            header.Append(" error=\"").Append(InvalidToken).Append("\", error_description=\"").Append(detail).Append('"');
        }
        var http = context.HttpContext;
        http.Response.StatusCode = StatusCodes.Status401Unauthorized;
        http.Response.Headers[HeaderNames.WWWAuthenticate] = header.ToString();
        await WriteProblemAsync(http, StatusCodes.Status401Unauthorized, code, detail);
    }

    internal static async Task WriteProblemAsync(HttpContext http, int status, string code, string detail,
        IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Status = status, Type = Problems.TypeUri(code), Detail = detail };
        problem.Extensions["code"] = code;
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            problem.Extensions[key] = value;
        }
        // A client that accepts only something else (an EventSource sends Accept: text/event-stream) still gets the
        // problem as problem+json: the framework's writers decline such a request, which would turn a 401 into a 500.
        if (!await http.RequestServices.GetRequiredService<IProblemDetailsService>()
            .TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem }))
        {
            await http.Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json");
        }
    }

    // Words a client can act on, free of .NET's IDX codes; they also go into the WWW-Authenticate header, so no quotes.
    private string Describe(Exception failure) => failure switch
    {
        SecurityTokenExpiredException => "The access token has expired; get a new one.",
        SecurityTokenNotYetValidException => "The access token is not valid yet (nbf is in the future).",
        SecurityTokenInvalidAudienceException => $"The access token is not meant for this API (its audience must be {auth.Audience}).",
        SecurityTokenInvalidIssuerException => "The access token was not issued by this system's auth-service.",
        SecurityTokenInvalidAlgorithmException => $"The access token's algorithm is not accepted (only {string.Join(", ", LedgerXAuthentication.AllowedAlgorithms)}).",
        SecurityTokenSignatureKeyNotFoundException => "The access token is signed by a key auth-service does not publish.",
        SecurityTokenInvalidSignatureException => "The access token's signature is not valid.",
        SecurityTokenNoExpirationException => "The access token has no expiry (exp).",
        MissingSubjectException => "The access token names no subject (sub).",
        SecurityTokenMalformedException or ArgumentException => "The access token is not a well-formed JWT.",
        _ => "The access token is not valid.",
    };
}
