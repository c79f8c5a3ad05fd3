using System.Reflection;
using Dapr;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;

namespace LedgerX.Testing;

/// <summary>One pub/sub subscription a service maps: its topic, route, and the record its handler binds when the
/// handler binds the body (null when it reads the request itself).</summary>
public sealed record DaprSubscription(string PubSub, string Topic, string Route, Type? Body);

/// <summary>
/// The topics a service really subscribes to, read from its endpoints rather than from a list kept by hand: every
/// public static <c>Map…(IEndpointRouteBuilder)</c> in the service's <c>*.Subscriptions</c> namespace (the house
/// convention: one file per handled event, mapped like an endpoint) is invoked on <paramref name="app"/>, and the
/// Dapr topic metadata of the endpoints it maps is collected.
/// </summary>
public static class DaprSubscriptions
{
    /// <summary>Builds (never starts) a web application with the service's own registrations, so its handlers'
    /// parameters bind as in production, and discovers what it subscribes to. <paramref name="configuration"/> supplies
    /// what the registrations insist on (connection strings: nothing connects).</summary>
    public static IReadOnlyList<DaprSubscription> Discover(
        Assembly service, Action<WebApplicationBuilder> addServices, IReadOnlyDictionary<string, string?> configuration)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(configuration);
        addServices(builder);
        using var app = builder.Build();
        return MapAndDiscover(app, service);
    }

    public static IReadOnlyList<DaprSubscription> MapAndDiscover(WebApplication app, Assembly service)
    {
        var mappers = service.GetTypes()
            .Where(t => t.Namespace?.EndsWith(".Subscriptions", StringComparison.Ordinal) == true && t.IsAbstract && t.IsSealed)
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .Where(m => m.Name.StartsWith("Map", StringComparison.Ordinal) && m.GetParameters() is [{ ParameterType: var p }] && p == typeof(IEndpointRouteBuilder))
            .ToList();
        if (mappers.Count == 0)
        {
            throw new InvalidOperationException($"{service.GetName().Name} has no Map… methods in a *.Subscriptions namespace.");
        }
        foreach (var map in mappers)
        {
            map.Invoke(null, [app]);
        }
        return ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => e.Metadata.GetOrderedMetadata<ITopicMetadata>().Select(topic => new DaprSubscription(
                topic.PubsubName, topic.Name, e.RoutePattern.RawText ?? "", e.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType)))
            .ToList();
    }
}
