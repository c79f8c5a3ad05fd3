using System.Collections.Concurrent;
using System.Net;
using Dapr;
using LedgerX.Fraud.Api.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LedgerX.Fraud.IntegrationTests.Infrastructure;

/// <summary>An operator's tool in miniature: a Dapr.AspNetCore app subscribed to fraud-service's dead-letter topic,
/// recording the CloudEvent id of each message that lands there.</summary>
public sealed class DeadLetterWatcher : IAsyncDisposable
{
    private readonly WebApplication _web;

    private DeadLetterWatcher(WebApplication web) => _web = web;

    public ConcurrentBag<string> CloudEventIds { get; } = [];

    public int Port { get; private set; }

    public static async Task<DeadLetterWatcher> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddDaprClient();
        var web = builder.Build();
        var watcher = new DeadLetterWatcher(web);
        web.UseCloudEvents(new CloudEventsMiddlewareOptions { ForwardCloudEventPropertiesAsHeaders = true });
        web.MapSubscribeHandler();
        web.MapPost("/dead-letters", (HttpRequest request) =>
        {
            watcher.CloudEventIds.Add(request.Headers["Cloudevent.id"].ToString());
            return Results.Ok();
        }).WithTopic(Components.PubSub, Topics.DeadLetters);
        await web.StartAsync();
        watcher.Port = new Uri(web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        return watcher;
    }

    public async ValueTask DisposeAsync()
    {
        await _web.StopAsync();
        await _web.DisposeAsync();
    }
}
