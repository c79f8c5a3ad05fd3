using System.Collections.Concurrent;
using System.Diagnostics;
using LedgerX.Cli.Bench;

namespace LedgerX.Cli.Nlp;

/// <summary>
/// Pairs each accepted question (its POST's send time) with its <c>nlp.answer_completed</c> frame, whichever is seen
/// first: a fast worker can complete the answer before the client has read the 202. Latency = send → completed frame,
/// i.e. what the asker waits from pressing enter to the whole answer being there.
/// </summary>
internal sealed class AnswerLatencyMatcher(int capacity)
{
    private readonly ConcurrentDictionary<Guid, long> _sent = new();
    private readonly ConcurrentDictionary<Guid, (long At, string Status)> _early = new();
    private readonly ConcurrentDictionary<string, int> _statuses = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);
    private int _accepted;
    private int _completed;

    public LatencyRecorder AskToAnswer { get; } = new(capacity);
    public LatencyRecorder Accepted { get; } = new(capacity);

    public int AcceptedCount => Volatile.Read(ref _accepted);
    public int CompletedCount => Volatile.Read(ref _completed);
    public int Outstanding => AcceptedCount - CompletedCount;

    /// <summary>Final statuses the completed frames carried (answered, refused, failed, ...).</summary>
    public IReadOnlyDictionary<string, int> Statuses => _statuses;

    /// <summary>Questions that were not accepted, by why (HTTP status and code).</summary>
    public IReadOnlyDictionary<string, int> Failures => _failures;

    public void Acknowledged(Guid questionId, long sentAt, long acknowledgedAt)
    {
        Interlocked.Increment(ref _accepted);
        Accepted.Record(sentAt, acknowledgedAt);
        if (_early.TryRemove(questionId, out var done))
        {
            Complete(sentAt, done.At, done.Status);
        }
        else
        {
            _sent[questionId] = sentAt;
            // The frame may have landed between the two lookups.
            if (_early.TryRemove(questionId, out done) && _sent.TryRemove(questionId, out _))
            {
                Complete(sentAt, done.At, done.Status);
            }
        }
    }

    public void Failed(string why) => _failures.AddOrUpdate(why, 1, (_, n) => n + 1);

    /// <summary>A completed frame; frames of questions this run did not ask are ignored.</summary>
    public void Completed(Guid questionId, long at, string status)
    {
        if (_sent.TryRemove(questionId, out var sentAt))
        {
            Complete(sentAt, at, status);
        }
        else
        {
            _early[questionId] = (at, status);
            if (_sent.TryRemove(questionId, out sentAt) && _early.TryRemove(questionId, out _))
            {
                Complete(sentAt, at, status);
            }
        }
    }

    private void Complete(long sentAt, long at, string status)
    {
        AskToAnswer.Record(sentAt, at);
        _statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
        Interlocked.Increment(ref _completed);
    }

    public static long Now() => Stopwatch.GetTimestamp();
}
