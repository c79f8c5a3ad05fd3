using System.ComponentModel.DataAnnotations;

namespace LedgerX.Gateway.Api.Security;

/// <summary>Configuration section <c>Gateway:Cors</c>: which browser origins may call the API from script. None by
/// default: a CLI or server needs no CORS, and a browser app is named here explicitly (exact origins, no wildcard).</summary>
public sealed class GatewayCorsOptions
{
    public const string Section = "Gateway:Cors";

    /// <summary>Exact origins such as <c>https://app.ledgerx.example</c>.</summary>
    public IList<string> AllowedOrigins { get; } = [];

    /// <summary>How long a browser may cache a preflight answer.</summary>
    [Range(0, 86_400)]
    public int MaxAgeSeconds { get; set; } = 600;
}
