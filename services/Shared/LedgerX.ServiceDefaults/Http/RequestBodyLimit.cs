using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LedgerX.ServiceDefaults.Http;

/// <summary>Configuration section <c>Http</c>.</summary>
internal sealed class HttpLimitsOptions
{
    public const string SectionName = "Http";

    /// <summary>
    /// Ledger requests are small JSON documents; a tight bound keeps one client from tying up memory
    /// (OWASP API4, unrestricted resource consumption).
    /// </summary>
    [Range(typeof(long), "1024", "104857600")]
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;
}

internal static class RequestBodyLimit
{
    public static IServiceCollection AddRequestBodyLimit(this IServiceCollection services)
    {
        services.AddValidatedOptions<HttpLimitsOptions>(HttpLimitsOptions.SectionName);
        services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<HttpLimitsOptions>>((kestrel, limits) =>
                kestrel.Limits.MaxRequestBodySize = limits.Value.MaxRequestBodyBytes);
        return services;
    }
}
