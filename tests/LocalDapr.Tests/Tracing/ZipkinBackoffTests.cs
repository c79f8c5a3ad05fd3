using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using LedgerX.LocalDapr.Tracing;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Tests.Tracing;

/// <summary>An unreachable Zipkin is reported once, then retried quietly with backoff, and its return reported once.</summary>
public sealed class ZipkinBackoffTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_first_failure_is_reported_and_later_ones_back_off_doubling_up_to_a_minute()
    {
        var backoff = new ExportBackoff();
        backoff.ShouldAttempt(T0).ShouldBeTrue();
        backoff.Failed(T0, 10).ShouldBeTrue();

        backoff.ShouldAttempt(T0 + TimeSpan.FromMilliseconds(999)).ShouldBeFalse();
        backoff.Skipped(5);
        backoff.ShouldAttempt(T0 + TimeSpan.FromSeconds(1)).ShouldBeTrue();
        backoff.Failed(T0 + TimeSpan.FromSeconds(1), 1).ShouldBeFalse();
        backoff.ShouldAttempt(T0 + TimeSpan.FromSeconds(2.9)).ShouldBeFalse();
        backoff.ShouldAttempt(T0 + TimeSpan.FromSeconds(3)).ShouldBeTrue();

        var now = T0 + TimeSpan.FromSeconds(3);
        for (int i = 0; i < 20; i++)
        {
            backoff.Failed(now, 0).ShouldBeFalse();
        }

        backoff.ShouldAttempt(now + ExportBackoff.MaxDelay - TimeSpan.FromMilliseconds(1)).ShouldBeFalse();
        backoff.ShouldAttempt(now + ExportBackoff.MaxDelay).ShouldBeTrue();
        backoff.DroppedWhileDown.ShouldBe(16);
    }

    [Fact]
    public void Coming_back_is_reported_once_and_resets_the_delay()
    {
        var backoff = new ExportBackoff();
        backoff.Succeeded().ShouldBeFalse();
        backoff.Failed(T0, 3);
        backoff.Failed(T0 + TimeSpan.FromSeconds(1), 3);

        backoff.Succeeded().ShouldBeTrue();
        backoff.Succeeded().ShouldBeFalse();
        backoff.DroppedWhileDown.ShouldBe(0);
        backoff.Failed(T0 + TimeSpan.FromSeconds(10), 1).ShouldBeTrue();
        backoff.ShouldAttempt(T0 + TimeSpan.FromSeconds(11)).ShouldBeTrue();
    }

    [Fact]
    public async Task An_exporter_whose_zipkin_is_down_warns_once_for_many_batches()
    {
        // A port nothing listens on: connections are refused at once.
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var logger = new ListLogger();

        var exporter = new ZipkinExporter(new Uri($"http://127.0.0.1:{closedPort}/api/v2/spans"), "svc", logger, new FrozenTime(T0));
        for (int i = 0; i < ZipkinExporter.MaxBatch * 4; i++)
        {
            var span = new System.Diagnostics.Activity("span").SetIdFormat(System.Diagnostics.ActivityIdFormat.W3C).Start();
            span.ActivityTraceFlags |= System.Diagnostics.ActivityTraceFlags.Recorded;
            span.Stop();
            exporter.Enqueue(span);
        }

        await exporter.DisposeAsync();

        logger.Lines.Count(l => l.Level == LogLevel.Warning).ShouldBe(1);
        logger.Lines.Single().Message.ShouldContain("retried quietly");
    }

    private sealed class FrozenTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class ListLogger : ILogger
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue((logLevel, formatter(state, exception)));
    }
}
