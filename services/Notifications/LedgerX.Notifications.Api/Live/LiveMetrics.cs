using System.Diagnostics.Metrics;

namespace LedgerX.Notifications.Api.Live;

/// <summary>Meter <c>LedgerX.Notifications.Live</c>: open connections, closes by reason, items pushed.</summary>
public sealed class LiveMetrics : IDisposable
{
    public const string MeterName = "LedgerX.Notifications.Live";

    private readonly Meter _meter = new(MeterName);
    private readonly UpDownCounter<long> _open;
    private readonly Counter<long> _closed;
    private readonly Counter<long> _pushed;

    public LiveMetrics()
    {
        _open = _meter.CreateUpDownCounter<long>("ledgerx.live.connections", description: "Open live connections on this replica");
        _closed = _meter.CreateCounter<long>("ledgerx.live.closed", description: "Live connections closed, by reason");
        _pushed = _meter.CreateCounter<long>("ledgerx.live.pushed", description: "Items written to live connections");
    }

    public void Opened() => _open.Add(1);

    public void Closed(string? reason)
    {
        _open.Add(-1);
        _closed.Add(1, new KeyValuePair<string, object?>("reason", reason ?? "client"));
    }

    public void Pushed(string transport) => _pushed.Add(1, new KeyValuePair<string, object?>("transport", transport));

    public void Dispose() => _meter.Dispose();
}
