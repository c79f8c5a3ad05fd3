using System.Diagnostics.Metrics;

namespace LedgerX.Nlp.Api.Questions;

/// <summary>Meter <c>LedgerX.Nlp</c>: questions asked and finished (by status and engine), queue wait and answer
/// durations, questions being answered on this replica.</summary>
public sealed class NlpMetrics : IDisposable
{
    public const string MeterName = "LedgerX.Nlp";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _asked;
    private readonly Counter<long> _finished;
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<double> _answerDuration;
    private readonly UpDownCounter<long> _answering;

    public NlpMetrics()
    {
        _asked = _meter.CreateCounter<long>("ledgerx.nlp.questions.asked", description: "Questions accepted (202)");
        _finished = _meter.CreateCounter<long>("ledgerx.nlp.questions.finished",
            description: "Questions finished, by status (answered, refused, failed, cancelled, expired) and engine");
        _queueWait = _meter.CreateHistogram<double>("ledgerx.nlp.queue.wait", unit: "s", description: "From asked to a worker's first claim");
        _answerDuration = _meter.CreateHistogram<double>("ledgerx.nlp.answer.duration", unit: "s", description: "One attempt's answering time, by outcome");
        _answering = _meter.CreateUpDownCounter<long>("ledgerx.nlp.questions.answering", description: "Questions being answered on this replica");
    }

    public void Asked() => _asked.Add(1);

    public void Finished(string status, string? engine) =>
        _finished.Add(1, new KeyValuePair<string, object?>("status", status), new KeyValuePair<string, object?>("engine", engine ?? "none"));

    public void Started(TimeSpan queueWait)
    {
        _queueWait.Record(Math.Max(0, queueWait.TotalSeconds));
        _answering.Add(1);
    }

    public void Ended(TimeSpan duration, string outcome)
    {
        _answering.Add(-1);
        _answerDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
    }

    public void Dispose() => _meter.Dispose();
}
