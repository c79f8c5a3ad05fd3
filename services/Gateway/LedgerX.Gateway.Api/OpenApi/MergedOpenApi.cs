using System.Collections.Concurrent;
using LedgerX.Gateway.Api.Routing;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;

namespace LedgerX.Gateway.Api.OpenApi;

/// <summary>A merged document and the services it lacks.</summary>
internal sealed record MergedDocument(string Json, IReadOnlyList<string> Missing, DateTimeOffset ExpiresAt);

/// <summary>
/// The gateway's OpenAPI document per version: each cluster's app is asked for <c>/openapi/{version}.json</c> through the
/// sidecar (as every forwarded call goes), the answers are merged (<see cref="OpenApiMerger"/>) and cached. A service that
/// is down, slow or answers garbage is left out, named in the <c>X-LedgerX-OpenApi-Missing</c> header and the log, and
/// asked again after a short while: the document never fails because one service does.
/// </summary>
internal sealed partial class MergedOpenApi(IHttpClientFactory clients, IProxyStateLookup proxy, SidecarEndpoint sidecar,
    IOptions<MergedOpenApiOptions> options, TimeProvider time, ILogger<MergedOpenApi> logger)
{
    public const string ClientName = "openapi-upstreams";
    public const string MissingHeader = "X-LedgerX-OpenApi-Missing";

    private readonly ConcurrentDictionary<string, MergedDocument> _cache = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _refresh = new(1, 1);

    public async Task<MergedDocument> GetAsync(string version, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(version, out var cached) && cached.ExpiresAt > time.GetUtcNow())
        {
            return cached;
        }
        // One refresh at a time: a burst of reference-page loads must not become a burst of calls to every service.
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_cache.TryGetValue(version, out cached) && cached.ExpiresAt > time.GetUtcNow())
            {
                return cached;
            }
            var fresh = await BuildAsync(version, cancellationToken);
            _cache[version] = fresh;
            return fresh;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private async Task<MergedDocument> BuildAsync(string version, CancellationToken cancellationToken)
    {
        var appIds = proxy.GetClusters()
            .Select(c => c.Model.Config.Metadata?.GetValueOrDefault(SidecarDestinations.AppIdMetadata))
            .OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var fetched = await Task.WhenAll(appIds.Select(appId => FetchAsync(appId, version, cancellationToken)));
        var documents = fetched.OfType<UpstreamDocument>().ToList();
        var missing = appIds.Except(documents.Select(d => d.AppId), StringComparer.Ordinal).ToList();
        var settings = options.Value;
        var lifetime = TimeSpan.FromSeconds(missing.Count == 0 ? settings.CacheSeconds : Math.Min(settings.CacheSeconds, settings.IncompleteCacheSeconds));
        return new MergedDocument(OpenApiMerger.Merge(version, documents, missing).ToJsonString(), missing, time.GetUtcNow() + lifetime);
    }

    private async Task<UpstreamDocument?> FetchAsync(string appId, string version, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromMilliseconds(options.Value.FetchTimeoutMs));
        try
        {
            var client = new UpstreamOpenApiClient(clients.CreateClient(ClientName), sidecar);
            if (await client.FetchAsync(appId, version, deadline.Token) is { } document)
            {
                return new UpstreamDocument(appId, document);
            }
            LogMissing(logger, appId, version, "it gave no OpenAPI document");
            return null;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException
            && !cancellationToken.IsCancellationRequested)
        {
            LogMissing(logger, appId, version, ex.GetType().Name);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The merged OpenAPI {Version} document leaves out {AppId}: {Reason}")]
    private static partial void LogMissing(ILogger logger, string appId, string version, string reason);
}
