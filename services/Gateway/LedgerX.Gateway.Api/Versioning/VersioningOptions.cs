using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace LedgerX.Gateway.Api.Versioning;

/// <summary>Configuration section <c>Gateway:Versioning</c>: when API v1 was deprecated and when it goes away, announced
/// on every v1 response.</summary>
public sealed class VersioningOptions
{
    public const string Section = "Gateway:Versioning";

    /// <summary>When v1 was deprecated (RFC 9745 <c>Deprecation</c>), ISO 8601.</summary>
    public string V1DeprecatedAt { get; set; } = "2026-12-01T00:00:00Z";

    /// <summary>When v1 stops being served (RFC 8594 <c>Sunset</c>), ISO 8601; after the deprecation.</summary>
    public string V1SunsetAt { get; set; } = "2027-06-30T00:00:00Z";

    /// <summary>The migration guide the <c>Link</c> header points at; by default the copy this gateway serves.</summary>
    [Required(AllowEmptyStrings = false)]
    public string MigrationGuideUrl { get; set; } = DeprecationHeaders.GuidePath;

    internal DateTimeOffset DeprecatedAt => Parse(V1DeprecatedAt);

    internal DateTimeOffset SunsetAt => Parse(V1SunsetAt);

    internal bool IsValid() => TryParse(V1DeprecatedAt, out var deprecated) && TryParse(V1SunsetAt, out var sunset) && sunset > deprecated;

    private static DateTimeOffset Parse(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static bool TryParse(string value, out DateTimeOffset parsed) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out parsed);
}
