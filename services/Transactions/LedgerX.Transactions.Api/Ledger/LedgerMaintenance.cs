using LedgerX.Transactions.Domain;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LedgerX.Transactions.Api.Ledger;

/// <summary>
/// Periodic housekeeping: expires due holds (through the writer, so expiry is an event like any other change),
/// forgets idempotency keys past their retention, and trims outbox rows long since published.
/// </summary>
public sealed class LedgerMaintenance(
    NpgsqlDataSource database, LedgerWriter writer, TimeProvider clock, IOptions<LedgerOptions> options, ILogger<LedgerMaintenance> logger)
    : BackgroundService
{
    private const int MaxHoldsPerPass = 500;
    private readonly LedgerOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(_options.MaintenanceIntervalMs), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await ExpireDueHoldsAsync(stoppingToken);
                await PurgeAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Ledger maintenance pass failed; trying again next interval");
            }
        }
    }

    /// <summary>Expires every pending hold whose time has come; returns how many were expired.</summary>
    public async Task<int> ExpireDueHoldsAsync(CancellationToken ct)
    {
        var due = new List<Guid>();
        await using (var command = database.CreateCommand("SELECT id FROM holds WHERE status = 'pending' AND expires_at <= $1 ORDER BY expires_at LIMIT $2"))
        {
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = MaxHoldsPerPass });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                due.Add(reader.GetGuid(0));
            }
        }
        var results = await Task.WhenAll(due.Select(id =>
            writer.SubmitAsync(new ExpireHold(new HoldId(id)), idempotency: null, static (_, _) => new StoredResponse(204, []), ct)));
        // A hold posted or voided since the query is refused by the ledger, which is exactly right.
        return results.Count(r => r is WriteResult.Applied);
    }

    private async Task PurgeAsync(CancellationToken ct)
    {
        await using var batch = database.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM idempotency_keys WHERE expires_at < $1")
        {
            Parameters = { new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() } },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM outbox WHERE sent_at < $1")
        {
            Parameters = { new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow().AddDays(-_options.OutboxRetentionDays) } },
        });
        await batch.ExecuteNonQueryAsync(ct);
    }
}
