using System.Diagnostics.Metrics;

namespace LedgerX.Fraud.Api.Infrastructure;

/// <summary>Meter <c>LedgerX.Fraud</c> (exported at /metrics by the service defaults).</summary>
public sealed class FraudMetrics
{
    public const string MeterName = "LedgerX.Fraud";

    private readonly Counter<long> _events;
    private readonly Counter<long> _alerts;
    private readonly Histogram<int> _scores;
    private readonly Counter<long> _actions;
    private readonly Counter<long> _published;
    private readonly Counter<long> _serviceTokens;

    public FraudMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _events = meter.CreateCounter<long>("ledgerx.fraud.events", description: "Consumed events by topic and outcome");
        _alerts = meter.CreateCounter<long>("ledgerx.fraud.alerts", description: "Alerts raised");
        _scores = meter.CreateHistogram<int>("ledgerx.fraud.score", description: "Scores of assessed movements",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100] });
        _actions = meter.CreateCounter<long>("ledgerx.fraud.policy_actions", description: "Policy actions by kind and outcome");
        _published = meter.CreateCounter<long>("ledgerx.fraud.flagged_published", description: "fraud.flagged.v1 events published");
        _serviceTokens = meter.CreateCounter<long>("ledgerx.fraud.service_token",
            description: "fraud-service's own access token: issued or failed by auth-service, refused (401) or forbidden (403) by the ledger");
    }

    public void Consumed(string topic, string outcome) =>
        _events.Add(1, new KeyValuePair<string, object?>("topic", topic), new KeyValuePair<string, object?>("outcome", outcome));

    public void Scored(int score) => _scores.Record(score);

    public void Alerted(int count) => _alerts.Add(count);

    public void Action(string kind, string outcome) =>
        _actions.Add(1, new KeyValuePair<string, object?>("action", kind), new KeyValuePair<string, object?>("outcome", outcome));

    public void Published(int count) => _published.Add(count);

    public void ServiceToken(string outcome) => _serviceTokens.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
