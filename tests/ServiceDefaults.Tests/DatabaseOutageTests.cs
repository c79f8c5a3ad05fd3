using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>
/// PostgreSQL restarting or stalled (issue 19's chaos): a request that needs it answers 503 <c>database_unavailable</c>
/// with <c>Retry-After</c>, not 500 and not a hang; and once it is back, the same process serves again (the pool drops
/// the connections the restart broke).
/// </summary>
public sealed class DatabaseOutageTests
{
    /// <summary>Hang guard, not a timing claim: a stalled server must be given up on near Npgsql's connect timeout (1 s
    /// here), far before this.</summary>
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan RecoveryDeadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ADatabaseThatRefusesConnections_Is503WithRetryAfter()
    {
        await using var app = await StartAsync($"Host=127.0.0.1;Port={SampleService.FreePort()};Username=postgres;Timeout=1");

        using var response = await GetDbAsync(app);

        await ShouldBeUnavailableAsync(response);
    }

    [Fact]
    public async Task AStalledDatabase_Is503AfterTheConnectTimeout_NotAHang()
    {
        // Accepts and never says a word: PostgreSQL under SIGSTOP, as a new connection sees it.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        await using var app = await StartAsync($"Host=127.0.0.1;Port={port};Username=postgres;Timeout=1");

        var clock = Stopwatch.StartNew();
        using var response = await GetDbAsync(app);

        clock.Elapsed.ShouldBeLessThan(NoHang);
        await ShouldBeUnavailableAsync(response);
    }

    [Fact]
    public async Task AfterADatabaseRestart_TheSameProcessServesAgain()
    {
        var server = new NpgsqlConnectionStringBuilder(await LedgerX.Testing.TestPostgres.GetServerConnectionStringAsync(Ct));
        await using var proxy = OutageProxy.Start(server.Host!, server.Port);
        server.Host = "127.0.0.1";
        server.Port = proxy.Port;
        server.Timeout = 2;
        await using var app = await StartAsync(server.ConnectionString);
        using (var before = await GetDbAsync(app))
        {
            before.StatusCode.ShouldBe(HttpStatusCode.OK, "the pool now holds a connection");
        }

        // Crash: the pooled connection is reset, and nothing listens.
        await proxy.CrashAsync();
        using (var during = await GetDbAsync(app))
        {
            await ShouldBeUnavailableAsync(during);
        }

        // Back: no restart of the app; the broken connection is not handed out again.
        proxy.Recover();
        await UntilServed.AskAsync(() => GetDbAsync(app), ShouldBeUnavailableAsync, TimeSpan.FromMilliseconds(200), RecoveryDeadline, Ct);
    }

    private static async Task<WebApplication> StartAsync(string connectionString)
    {
        var builder = SampleService.CreateBuilder();
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        return await SampleService.StartAsync(builder);
    }

    private static Task<HttpResponseMessage> GetDbAsync(WebApplication app) =>
        app.GetTestClient().GetAsync(new Uri("/db", UriKind.Relative), Ct);

    /// <summary>503 <c>database_unavailable</c> with a Retry-After, and no connection details.</summary>
    private static async Task ShouldBeUnavailableAsync(HttpResponseMessage response)
    {
        response.Headers.RetryAfter?.Delta.ShouldNotBeNull();
        using var problem = await ProblemResponse.ReadAsync(response);
        problem.Status.ShouldBe(HttpStatusCode.ServiceUnavailable, problem.Text);
        problem.Body.GetProperty("code").GetString().ShouldBe("database_unavailable");
        problem.Text.ShouldNotContain("Host=");
        problem.Text.ShouldNotContain("127.0.0.1");
    }
}
