using System.ComponentModel.DataAnnotations;

namespace LedgerX.Gateway.Api.OpenApi;

/// <summary>Configuration section <c>Gateway:OpenApi</c>: how the merged documents are fetched and kept.</summary>
public sealed class MergedOpenApiOptions
{
    public const string Section = "Gateway:OpenApi";

    /// <summary>How long a merged document with every service in it is served before the services are asked again.</summary>
    [Range(1, 86_400)]
    public int CacheSeconds { get; set; } = 60;

    /// <summary>How long a document that misses a service is kept: short, so it heals soon after the service is back.</summary>
    [Range(1, 3_600)]
    public int IncompleteCacheSeconds { get; set; } = 5;

    /// <summary>How long one service may take to hand over its document before it is left out.</summary>
    [Range(100, 60_000)]
    public int FetchTimeoutMs { get; set; } = 3_000;
}
