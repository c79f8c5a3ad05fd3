using System.Security.Claims;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Net.Http.Headers;

namespace LedgerX.Nlp.Api.Questions;

/// <summary>
/// The asker's bearer token, kept so the worker can call the tools as the asker (token relay: every downstream object
/// check applies to them) but never in clear: encrypted with Data Protection (key ring in the nlp database, shared by
/// every replica), wiped when the question ends, and never put on the broker.
/// </summary>
public sealed class RelayedTokens(IDataProtectionProvider provider)
{
    /// <summary>Versioned purpose: a change of what is protected gets a new purpose, old ciphertexts stay readable.</summary>
    public const string Purpose = "LedgerX.Nlp.Questions.AccessToken.v1";

    private readonly IDataProtector _protector = provider.CreateProtector(Purpose);

    public string Protect(string token) => _protector.Protect(token);

    /// <summary>The token, or null when the ciphertext cannot be read (a lost key ring).</summary>
    public string? Unprotect(string protectedToken)
    {
        try
        {
            return _protector.Unprotect(protectedToken);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    /// <summary>The bearer token of the request (authentication already validated it).</summary>
    public static string? FromRequest(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers[HeaderNames.Authorization].ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    /// <summary>When the validated token expires (its <c>exp</c>); a question claimed after that cannot call the tools.</summary>
    public static DateTimeOffset ExpiresAt(ClaimsPrincipal caller, DateTimeOffset fallback)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return long.TryParse(caller.FindFirst("exp")?.Value, out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : fallback;
    }
}
