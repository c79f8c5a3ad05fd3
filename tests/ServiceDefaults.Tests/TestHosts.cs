using System.Net;
using System.Net.Sockets;
using LedgerX.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace LedgerX.ServiceDefaults.Tests;

public sealed record TransferRequest(long Amount, string Currency);

public sealed record Posting(Guid AccountId, long Amount);

public sealed record JournalEntryRequest(IReadOnlyList<Posting> Postings);

public sealed record AlertQuery(int? MinScore);

public sealed record NoteRequest(string? Text, Dictionary<string, string>? Tags = null, List<string>? Lines = null, List<NoteRequest>? Replies = null);

/// <summary>A service that uses the defaults the way a LedgerX Program.cs does, with a few endpoints to provoke them.</summary>
internal static class SampleService
{
    public const string SecretInExceptionMessage = "connection string Password=hunter2";

    public static WebApplicationBuilder CreateBuilder(IDictionary<string, string?>? settings = null, bool kestrel = false)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // Never reach a real sidecar that happens to run on this machine.
            ["DAPR_HTTP_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Serilog:MinimumLevel:Default"] = "Warning",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        if (kestrel)
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }
        else
        {
            builder.WebHost.UseTestServer();
        }

        builder.AddServiceDefaults();
        return builder;
    }

    public static async Task<WebApplication> StartAsync(WebApplicationBuilder builder)
    {
        var app = Build(builder);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return app;
    }

    /// <summary>Built and mapped, not started: what runs before the host starts (a migration) runs now.</summary>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapDefaultEndpoints();
        app.MapGet("/ping", () => "pong");
        app.MapPost("/transfers", (TransferRequest transfer) => TypedResults.Ok(transfer));
        app.MapPost("/entries", (JournalEntryRequest entry) => TypedResults.Ok(entry));
        app.MapPost("/notes", (NoteRequest note) => TypedResults.Ok(note));
        app.MapGet("/accounts", (int? limit, Guid? after, string? ownerId) => TypedResults.Ok(new { limit, after, ownerId }));
        app.MapGet("/required", (int limit) => TypedResults.Ok(limit));
        app.MapGet("/alerts", ([AsParameters] AlertQuery query) => TypedResults.Ok(query));
        app.MapGet("/boom", string () => throw new InvalidOperationException(SecretInExceptionMessage));
        // Reads through the app's NpgsqlDataSource, for the tests that take its database away.
        app.MapGet("/db", async (HttpContext http) =>
        {
            await using var command = http.RequestServices.GetRequiredService<Npgsql.NpgsqlDataSource>().CreateCommand("SELECT 1");
            return TypedResults.Ok((int)(await command.ExecuteScalarAsync(http.RequestAborted))!);
        });
        // Through EF Core, so through the database breaker when the test registered one (DatabaseBreakerTests).
        app.MapGet("/ef", async (HttpContext http, double? sleepSeconds) =>
        {
            var db = http.RequestServices.GetRequiredService<BreakerSampleDbContext>();
            // A query, not ExecuteSql: EF Core runs queries and SaveChanges through its execution strategy.
            return TypedResults.Ok(await db.Database.SqlQueryRaw<int>("SELECT 1 AS \"Value\" FROM pg_sleep({0})", sleepSeconds ?? 0)
                .SingleAsync(http.RequestAborted));
        });
        app.MapGet("/frozen", () => Problems.Conflict("account-frozen", "Account 42 is frozen."));
        app.MapGet("/invalid", () => Problems.Validation("currency", "Use an ISO 4217 code."));
        return app;
    }

    public static Task<WebApplication> StartAsync(IDictionary<string, string?>? settings = null) =>
        StartAsync(CreateBuilder(settings));

    public static Uri Address(this WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());

    /// <summary>A port nothing listens on: bound then released at once.</summary>
    public static int FreePort() => LedgerX.LocalDapr.Launcher.PortReservation.Next();
}

/// <summary>Stands in for daprd's health endpoint on a real socket, since the check calls it over HTTP.</summary>
internal sealed class FakeSidecar : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _healthzCalls;

    private FakeSidecar(WebApplication app) => _app = app;

    public int HealthzCalls => Volatile.Read(ref _healthzCalls);

    public Uri Address => _app.Address();

    public static async Task<FakeSidecar> StartAsync(TimeSpan answerDelay)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var sidecar = new FakeSidecar(builder.Build());
        sidecar._app.MapGet("/v1.0/healthz", async (CancellationToken cancellationToken) =>
        {
            Interlocked.Increment(ref sidecar._healthzCalls);
            await Task.Delay(answerDelay, cancellationToken);
            return Results.NoContent();
        });
        await sidecar._app.StartAsync(TestContext.Current.CancellationToken);
        return sidecar;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
