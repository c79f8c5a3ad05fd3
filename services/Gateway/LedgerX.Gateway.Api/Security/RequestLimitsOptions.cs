using System.ComponentModel.DataAnnotations;

namespace LedgerX.Gateway.Api.Security;

/// <summary>Configuration section <c>Gateway:Limits</c>: how large a request the gateway accepts (the body limit is the
/// shared <c>Http:MaxRequestBodyBytes</c>). Answered as problems: 414 for the URL, 431 for headers, 413 for the body.</summary>
public sealed class RequestLimitsOptions
{
    public const string Section = "Gateway:Limits";

    /// <summary>Path plus query, in bytes as sent.</summary>
    [Range(256, 8_192)]
    public int MaxUrlLength { get; set; } = 2_048;

    [Range(8, 100)]
    public int MaxHeaderCount { get; set; } = 50;

    /// <summary>Names plus values of all headers (a bearer token is about 1 KB).</summary>
    [Range(1_024, 32_768)]
    public int MaxHeadersTotalBytes { get; set; } = 16_384;
}
