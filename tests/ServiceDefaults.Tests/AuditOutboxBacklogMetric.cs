using Dapr.Client;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>
/// The audit outbox backlog gauge (<c>ledgerx.audit.outbox.backlog</c>, sampled by the relay) against known rows: it
/// counts the events not yet published, and not the published ones. The rows are held back from the host's own relay
/// (a future next_attempt_at) and this test's relay has no sidecar, so nothing changes them while the gauge is read.
/// </summary>
public sealed class AuditOutboxBacklogMetric(AuditOutboxHost host) : IClassFixture<AuditOutboxHost>
{
    private const string Backlog = "ledgerx.audit.outbox.backlog";

    /// <summary>The relay samples once a second; a hang guard for a loaded machine, not a timing assertion.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Backlog_CountsTheUnpublishedEvents()
    {
        var ct = TestContext.Current.CancellationToken;
        var published = Event();
        var waiting = new[] { Event(), Event(), Event() };
        await using (var db = host.NewContext())
        {
            // One transaction, so the host's relay never sees the rows due.
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            foreach (var e in waiting.Append(published))
            {
                db.AddAuditEvent(e);
            }

            await db.SaveChangesAsync(ct);
            await db.Database.ExecuteSqlAsync($"UPDATE audit_outbox SET next_attempt_at = now() + interval '1 hour'", ct);
            await db.Database.ExecuteSqlAsync($"UPDATE audit_outbox SET published_at = now() WHERE event_id = {published.EventId}", ct);
            await transaction.CommitAsync(ct);
        }

        var meters = MetricCapture.NewMeterFactory();
        using var capture = new MetricCapture(meters);
        using var deadDapr = new DaprClientBuilder().UseGrpcEndpoint($"http://127.0.0.1:{SampleService.FreePort()}").UseHttpEndpoint($"http://127.0.0.1:{SampleService.FreePort()}").Build();
        using var relay = new AuditOutboxRelay<WidgetContext>(host.App.Services.GetRequiredService<IServiceScopeFactory>(), deadDapr, new AuditOutboxSignal(),
            TimeProvider.System, Options.Create(new AuditOutboxOptions()), new AuditOutboxMetrics(meters), NullLogger<AuditOutboxRelay<WidgetContext>>.Instance);
        await relay.StartAsync(ct);
        try
        {
            var deadline = DateTimeOffset.UtcNow + Deadline;
            while (capture.Gauge(Backlog) != waiting.Length && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
            }

            capture.Gauge(Backlog).ShouldBe(waiting.Length);
        }
        finally
        {
            await relay.StopAsync(ct);
        }
    }

    private static AuditRecorded Event() =>
        AuditRecorded.Create(TimeProvider.System, AuditOutboxHost.AppId, new AuditActor("user", "alice"), AuditActions.AccountFrozen, AuditOutcomes.Succeeded, null, null);
}
