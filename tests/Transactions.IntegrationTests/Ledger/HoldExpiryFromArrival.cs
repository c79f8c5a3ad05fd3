using System.Net;
using System.Net.Http.Json;
using LedgerX.Transactions.Api.Apis;
using LedgerX.Transactions.Api.Infrastructure;
using LedgerX.Transactions.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LedgerX.Transactions.IntegrationTests.Ledger;

/// <summary>
/// A hold asked to expire in 1 s waits 3 s inside the service (the database is busy: the log head is locked). Its
/// expiry is measured from its arrival, so it is created (expiring 1 s after it arrived), not refused as if the client
/// had asked for a hold in the past.
/// </summary>
public sealed class HoldExpiryFromArrival(HoldExpiryFromArrival.WithMovableClock api) : IClassFixture<HoldExpiryFromArrival.WithMovableClock>
{
    /// <summary>The service on a clock the test can move forward (system time plus an offset; timers stay real).</summary>
    public sealed class WithMovableClock : LedgerApi
    {
        public MovableClock Clock { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(new MicrosecondClock(Clock)));
        }
    }

    public sealed class MovableClock : TimeProvider
    {
        private long _offsetTicks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));
    }

    [Fact]
    public async Task AOneSecondHoldThatWaitedThreeSeconds_IsCreated_ExpiringOneSecondAfterItArrived()
    {
        var from = await api.OpenAccountAsync("holder");
        var to = await api.OpenAccountAsync("merchant");
        await api.DepositAsync(from.Id, 1_000);

        HttpResponseMessage response;
        DateTimeOffset sent;
        DateTimeOffset arrivedBy;
        await using (var blocker = new NpgsqlConnection(api.ConnectionString))
        {
            await blocker.OpenAsync();
            await using var transaction = await blocker.BeginTransactionAsync();
            await using (var lockHead = new NpgsqlCommand("SELECT 1 FROM ledger_head WHERE id = 1 FOR UPDATE", blocker, transaction))
            {
                await lockHead.ExecuteNonQueryAsync();
            }
            sent = api.Clock.GetUtcNow();
            var creating = api.Client.PostAsJsonAsync("/api/v1/holds",
                new { accountId = from.Id, toAccountId = to.Id, amount = 300, currency = "EUR", expiresInSeconds = 1 });
            await WriterWaitsForTheHeadAsync();
            // The handler stamps the arrival before it hands the hold to the writer, which now waits: it arrived by now.
            // (A fixed allowance after sending, 0.5 s once, is a timing a loaded machine exceeds.)
            arrivedBy = api.Clock.GetUtcNow();
            api.Clock.Advance(TimeSpan.FromSeconds(3));
            await transaction.CommitAsync();
            response = await creating;
        }

        await LedgerApi.ExpectAsync(response, HttpStatusCode.Created);
        var hold = (await response.Content.ReadFromJsonAsync<HoldResponse>(LedgerApi.Json))!;
        hold.ExpiresAt.ShouldBeInRange(sent.AddSeconds(1), arrivedBy.AddSeconds(1));
    }

    private async Task WriterWaitsForTheHeadAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await api.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The writer never queued behind the locked log head.");
            }
            await Task.Delay(10);
        }
    }
}
