using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using LedgerX.ServiceDefaults.Data;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>A context with no tables: the breaker sits in front of its connection, whatever the model.</summary>
public sealed class BreakerSampleDbContext(DbContextOptions<BreakerSampleDbContext> options) : DbContext(options);

/// <summary>
/// Issue 19, <c>db-partition-fraud-service</c>: a database that stops answering (connections hang, nothing is refused)
/// must make the routes that need it answer 503 <c>database_unavailable</c> fast, not hang until the gateway's timeout;
/// once the breaker has seen it, at once; and the same process must serve again when the database is back (ADR 0029).
/// Bounds are shrunk (operations 2 s, breaks 500 ms) so the tests take seconds.
/// </summary>
public sealed class DatabaseBreakerTests
{
    private const int OperationTimeoutMs = 2_000;

    /// <summary>The first answers wait for the operation timeout, not for Npgsql to give up (its cancellation hangs as
    /// long as the partition: seconds), plus a loaded machine's scheduling; far below the gateway's 5 s and Npgsql's
    /// 15 s / 30 s defaults that the fault used to cost.</summary>
    private static readonly TimeSpan FirstAnswerBound = TimeSpan.FromMilliseconds(OperationTimeoutMs + 1_500);

    /// <summary>An open breaker answers without touching the network: milliseconds on a quiet machine, but a CI host at
    /// load ~100 took 678 ms, so the bound is half the operation timeout: a refusal still cannot have waited for it.</summary>
    private static readonly TimeSpan RefusalBound = TimeSpan.FromMilliseconds(OperationTimeoutMs / 2);

    private static readonly TimeSpan RecoveryDeadline = TimeSpan.FromSeconds(15);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AHungDatabase_Is503WithinTheOperationTimeout_ThenRefusedAtOnce()
    {
        // Accepts and never says a word: a partition, or PostgreSQL under SIGSTOP, as a new connection sees it.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        // Npgsql abandons an opening connection only at its connect timeout (Database:ConnectTimeoutSeconds, 2 s); the
        // request does not wait for it.
        await using var app = await StartAsync($"Host=127.0.0.1;Port={((IPEndPoint)silent.LocalEndpoint).Port};Username=postgres");

        // Two failures in a row open the breaker (FailuresToOpen 2 here): each waits for the operation timeout only.
        for (var i = 0; i < 2; i++)
        {
            var clock = Stopwatch.StartNew();
            using var slow = await GetEfAsync(app);
            clock.Elapsed.ShouldBeLessThan(FirstAnswerBound);
            await ShouldBeUnavailableAsync(slow);
            Report($"hung: answer {i + 1} after {clock.ElapsedMilliseconds} ms");
        }

        var refusal = Stopwatch.StartNew();
        using var refused = await GetEfAsync(app);
        refusal.Elapsed.ShouldBeLessThan(RefusalBound, "the breaker is open: no waiting for the database");
        Report($"hung: refused after {refusal.Elapsed.TotalMilliseconds:F1} ms");
        await ShouldBeUnavailableAsync(refused);
        (await ReadyChecksAsync(app)).ShouldContainKeyAndValue($"database-breaker-{nameof(BreakerSampleDbContext)}", "Unhealthy");
    }

    [Fact]
    public async Task APartitionedDatabase_IsRefusedFast_AndUsedAgainOnceItHeals()
    {
        var server = new NpgsqlConnectionStringBuilder(await LedgerX.Testing.TestPostgres.GetServerConnectionStringAsync(Ct));
        await using var proxy = OutageProxy.Start(server.Host!, server.Port);
        server.Host = "127.0.0.1";
        server.Port = proxy.Port;
        await using var app = await StartAsync(server.ConnectionString);
        // Served once, so the pool holds a connection, which the partition will hang. The first operation of a fresh app
        // (EF Core's model, the first connection, JIT) can outlast the shrunk bound on a loaded machine and be
        // answered 503, as in CI; then it is asked again, as a client would.
        await ServedAsync(app, TimeSpan.FromSeconds(30));

        proxy.Partition();
        for (var i = 0; i < 2; i++)
        {
            var clock = Stopwatch.StartNew();
            using var slow = await GetEfAsync(app);
            clock.Elapsed.ShouldBeLessThan(FirstAnswerBound);
            await ShouldBeUnavailableAsync(slow);
            Report($"partition: answer {i + 1} after {clock.ElapsedMilliseconds} ms");
        }
        var refusal = Stopwatch.StartNew();
        using (var refused = await GetEfAsync(app))
        {
            refusal.Elapsed.ShouldBeLessThan(RefusalBound);
            Report($"partition: refused after {refusal.Elapsed.TotalMilliseconds:F1} ms");
            await ShouldBeUnavailableAsync(refused);
        }
        // Background work (an outbox relay begins a transaction) is refused at once too, with a transient failure that
        // its loop logs and retries after its poll interval.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BreakerSampleDbContext>();
            var begin = Stopwatch.StartNew();
            var failure = await Should.ThrowAsync<DatabaseUnavailableException>(() => db.Database.BeginTransactionAsync(Ct));
            begin.Elapsed.ShouldBeLessThan(RefusalBound);
            failure.IsTransient.ShouldBeTrue();
        }

        // Back: no restart; the breaker's own probe closes it, no request is sacrificed as the trial.
        proxy.Heal();
        var healed = Stopwatch.StartNew();
        await ServedAsync(app, RecoveryDeadline);
        Report($"partition: served again {healed.ElapsedMilliseconds} ms after it healed");
    }

    /// <summary>Asks until the app serves (each refusal must be a proper 503 database_unavailable), or fails at the deadline.</summary>
    private static Task ServedAsync(WebApplication app, TimeSpan deadline) =>
        UntilServed.AskAsync(() => GetEfAsync(app), ShouldBeUnavailableAsync, TimeSpan.FromMilliseconds(100), deadline, Ct);

    [Fact]
    public async Task StartUpWork_IsNotBounded_ButServingIs()
    {
        var server = await LedgerX.Testing.TestPostgres.GetServerConnectionStringAsync(Ct);
        var builder = CreateBuilder(server);
        await using var app = SampleService.Build(builder);
        var slow = TimeSpan.FromMilliseconds(OperationTimeoutMs * 4);

        // A migration runs before the host starts: longer than an operation may take once it serves, and it completes.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            (await SleepAsync(scope, slow)).ShouldBe(1);
        }

        await app.StartAsync(Ct);
        // Serving, a request gets its answer at the bound, however long the query would have taken.
        var clock = Stopwatch.StartNew();
        using var bounded = await GetEfAsync(app, slow.TotalSeconds);
        clock.Elapsed.ShouldBeLessThan(FirstAnswerBound);
        await ShouldBeUnavailableAsync(bounded);
        await app.StopAsync(Ct);
    }

    [Fact]
    public void OnlyFailuresThatSayTheDatabaseIsGone_Count()
    {
        DatabaseFailures.IsDatabaseGone(new NpgsqlException("Exception while reading from stream", new TimeoutException())).ShouldBeTrue();
        DatabaseFailures.IsDatabaseGone(new InvalidOperationException("wrapped", new NpgsqlException("reset", new SocketException()))).ShouldBeTrue();
        DatabaseFailures.IsDatabaseGone(Server(PostgresErrorCodes.AdminShutdown)).ShouldBeTrue();
        DatabaseFailures.IsDatabaseGone(Server(PostgresErrorCodes.TooManyConnections)).ShouldBeTrue();
        // Transient by Npgsql's judgement, but proof that the database answers.
        DatabaseFailures.IsDatabaseGone(Server(PostgresErrorCodes.DeadlockDetected)).ShouldBeFalse();
        DatabaseFailures.IsDatabaseGone(Server(PostgresErrorCodes.SerializationFailure)).ShouldBeFalse();
        DatabaseFailures.IsDatabaseGone(Server(PostgresErrorCodes.UniqueViolation)).ShouldBeFalse();
        DatabaseFailures.IsDatabaseGone(new InvalidOperationException("a bug")).ShouldBeFalse();
    }

    [Fact]
    public void ConnectionStrings_GetShortTimeouts_UnlessTheySayOtherwise()
    {
        var bounded = new NpgsqlConnectionStringBuilder(PostgresConnectionString.Bounded("Host=db;Username=app", new DatabaseOptions()));
        bounded.Timeout.ShouldBe(2);
        bounded.CommandTimeout.ShouldBe(15);
        bounded.CancellationTimeout.ShouldBe(-1);
        bounded.KeepAlive.ShouldBe(10);

        var explicitly = new NpgsqlConnectionStringBuilder(PostgresConnectionString.Bounded("Host=db;timeout=20;CommandTimeout=60", new DatabaseOptions()));
        explicitly.Timeout.ShouldBe(20);
        explicitly.CommandTimeout.ShouldBe(60);
    }

    private static Task<int> SleepAsync(AsyncServiceScope scope, TimeSpan duration) =>
        scope.ServiceProvider.GetRequiredService<BreakerSampleDbContext>().Database
            .SqlQueryRaw<int>("SELECT 1 AS \"Value\" FROM pg_sleep({0})", duration.TotalSeconds).SingleAsync(Ct);

    private static void Report(string measurement) => TestContext.Current.SendDiagnosticMessage(measurement);

    private static PostgresException Server(string sqlState) => new("message", "ERROR", "ERROR", sqlState);

    private static WebApplicationBuilder CreateBuilder(string connectionString)
    {
        var builder = SampleService.CreateBuilder(new Dictionary<string, string?>
        {
            ["Database:Breaker:OperationTimeoutMs"] = OperationTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Database:Breaker:BreakDurationMs"] = "500",
            ["Database:Breaker:FailuresToOpen"] = "2",
        }, kestrel: true);
        var bounded = PostgresConnectionString.Bounded(connectionString, new DatabaseOptions());
        builder.Services.AddDbContextPool<BreakerSampleDbContext>(options => options.UseNpgsql(bounded));
        builder.AddDatabaseBreaker<BreakerSampleDbContext>();
        return builder;
    }

    private static Task<WebApplication> StartAsync(string connectionString) => SampleService.StartAsync(CreateBuilder(connectionString));

    /// <summary>Over a real socket: the early answer is a response completed while the handler still runs, which
    /// TestServer does not deliver before the handler has returned.</summary>
    private static async Task<HttpResponseMessage> GetEfAsync(WebApplication app, double sleepSeconds = 0)
    {
        using var client = new HttpClient { BaseAddress = app.Address() };
        return await client.GetAsync(new Uri(FormattableString.Invariant($"/ef?sleepSeconds={sleepSeconds}"), UriKind.Relative), Ct);
    }

    private static async Task<Dictionary<string, string>> ReadyChecksAsync(WebApplication app)
    {
        using var client = new HttpClient { BaseAddress = app.Address() };
        using var response = await client.GetAsync(new Uri("/readyz", UriKind.Relative), Ct);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return body.RootElement.GetProperty("checks").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString()!);
    }

    /// <summary>503 <c>database_unavailable</c> with a Retry-After, and no connection details.</summary>
    private static async Task ShouldBeUnavailableAsync(HttpResponseMessage response)
    {
        response.Headers.RetryAfter?.Delta.ShouldNotBeNull();
        using var problem = await ProblemResponse.ReadAsync(response);
        problem.Status.ShouldBe(HttpStatusCode.ServiceUnavailable, problem.Text);
        problem.Body.GetProperty("code").GetString().ShouldBe("database_unavailable");
        problem.Text.ShouldNotContain("127.0.0.1");
    }
}
