using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LedgerX.ServiceDefaults.Tests.Otlp;

/// <summary>
/// An OTLP/HTTP logs receiver on a free port, as a collector's <c>otlp</c> receiver listens on 4318: it takes
/// <c>POST /v1/logs</c> with an <c>application/x-protobuf</c> ExportLogsServiceRequest and answers 200 with an empty
/// ExportLogsServiceResponse.
/// </summary>
internal sealed class OtlpLogReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<OtlpLogRecord> _records = new();

    private OtlpLogReceiver(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public int Requests { get; private set; }

    public IReadOnlyCollection<OtlpLogRecord> Records => _records;

    public static async Task<OtlpLogReceiver> StartAsync(CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        // The receiver's own request log would only bury the service's in the test output.
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpLogReceiver(app);
        app.MapPost("/v1/logs", async (HttpRequest request) =>
        {
            request.ContentType.ShouldBe("application/x-protobuf");
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
            foreach (var record in OtlpLogRecord.Decode(body.ToArray()))
            {
                receiver._records.Enqueue(record);
            }

            receiver.Requests++;
            return Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.BaseAddress = new Uri(address);
        return receiver;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
