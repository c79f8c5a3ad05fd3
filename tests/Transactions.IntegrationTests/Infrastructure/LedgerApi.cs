using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LedgerX.ServiceDefaults.Auth;
using LedgerX.Testing;
using LedgerX.Transactions.Api.Apis;
using Npgsql;

namespace LedgerX.Transactions.IntegrationTests.Infrastructure;

/// <summary>
/// transaction-service on real Kestrel (so request limits apply as in production) against its own fresh PostgreSQL
/// database. The Dapr gRPC endpoint points at <see cref="SidecarGrpcPort"/>, where a test may start a local sidecar.
/// </summary>
public class LedgerApi : AppOnKestrel<Program>
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Port 1 on loopback: nothing listens there and, being privileged and outside the ephemeral range, nothing a
    /// parallel test starts can take it, so "no sidecar" stays true for the whole run (connections are refused at once).</summary>
    private const int ClosedPort = 1;

    /// <summary>A service with no sidecar: publishing fails (and is retried) and readiness reports the sidecar down.</summary>
    public LedgerApi() : this(ClosedPort)
    {
    }

    /// <summary>A service whose sidecar is expected on <paramref name="sidecarGrpcPort"/>, where a test may start one.</summary>
    protected LedgerApi(int sidecarGrpcPort) : base("ledger", "Ledger", new SidecarPorts(Http: ClosedPort, Grpc: sidecarGrpcPort))
    {
    }

    /// <summary>A service on an existing database, which it leaves in place when disposed: a replacement for a host
    /// that was killed, as a restarted replica finds the database its predecessor left.</summary>
    protected LedgerApi(int sidecarGrpcPort, string existingDatabase)
        : base("Ledger", new SidecarPorts(Http: ClosedPort, Grpc: sidecarGrpcPort), existingDatabase)
    {
    }

    public int SidecarGrpcPort => Sidecar.Grpc;

    protected override TimeSpan ClientTimeout => TimeSpan.FromSeconds(60);

    /// <summary>A copy of a migrated ledger (<see cref="LedgerDatabases"/>), so the service's start has nothing to migrate.</summary>
    protected override Task<string> CreateDatabaseAsync(string prefix) => LedgerDatabases.CreateAsync(prefix);

    protected override IDictionary<string, string?> Defaults => new Dictionary<string, string?>
    {
        // Errors only, whatever LEDGERX_TEST_LOGS says.
        ["Serilog:MinimumLevel:Default"] = "Error",
        // Without a sidecar the workflow worker logs each failed reconnect as an error; that is the fixture's choice, not news.
        ["Serilog:MinimumLevel:Override:Dapr.Workflow"] = "Fatal",
        ["Ledger:Outbox:BackoffBaseMs"] = "50",
        ["Ledger:Outbox:BackoffMaxMs"] = "300",
        ["Ledger:Outbox:PollIntervalMs"] = "100",
    };

    /// <summary><see cref="AppOnKestrel{T}.Client"/> calls as an administrator (<see cref="Callers.Admin"/>): tests of the
    /// ledger's mechanics act on anyone's accounts, as staff do. Tests of who may do what send their caller's token per
    /// request (<see cref="Callers"/>), which replaces this one.</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Authorization = Callers.Admin();
    }

    /// <summary>Opens an account as <paramref name="owner"/>: the owner is the caller, so the request carries their token.</summary>
    public async Task<AccountResponse> OpenAccountAsync(string owner = "alice", string currency = "EUR", long overdraftLimit = 0)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/accounts") { Content = JsonContent.Create(new { currency, overdraftLimit }) };
        request.Headers.Authorization = Callers.Customer(owner);
        var response = await Client.SendAsync(request);
        await ExpectAsync(response, HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<AccountResponse>(Json))!;
    }

    public async Task<EntryResponse> DepositAsync(Guid accountId, long amount, string currency = "EUR")
    {
        var response = await Client.PostAsJsonAsync("/api/v1/deposits", new { accountId, amount, currency });
        await ExpectAsync(response, HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<EntryResponse>(Json))!;
    }

    public async Task<AccountResponse> GetAccountAsync(Guid id) =>
        (await Client.GetFromJsonAsync<AccountResponse>($"/api/v1/accounts/{id}", Json))!;

    public async Task<VerifyReportDto> VerifyAsync() =>
        (await Client.GetFromJsonAsync<VerifyReportDto>("/api/v1/ledger/verify", Json))!;

    /// <summary>Runs SQL directly against the service's database: to inspect it, or to tamper with it.</summary>
    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        if (response.StatusCode != status)
        {
            throw new Xunit.Sdk.XunitException($"Expected {(int)status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    public static int FreePort() => FreePorts.Next();
}

public sealed record VerifyReportDto(bool Ok, long EventsChecked, int AccountsChecked, long LastSequence, DiscrepancyDto? FirstDiscrepancy,
    long EntriesChecked = 0, long PostingsChecked = 0, long HoldsChecked = 0, long DiscrepancyCount = 0, IReadOnlyList<DiscrepancyDto>? Discrepancies = null);

public sealed record DiscrepancyDto(string Kind, string Message, long? Sequence, Guid? AccountId, string? Expected, string? Actual,
    string? Table = null, string? Column = null, string? Row = null);
