using System.ComponentModel.DataAnnotations;

namespace LedgerX.Nlp.Api.Questions;

/// <summary>Section <c>Nlp</c>: the queue's limits and loops (docs/configuration.md#nlp-service).</summary>
public sealed class NlpOptions
{
    public const string Section = "Nlp";

    /// <summary>IANA zone a question's periods are read in when the asker names none.</summary>
    [Required]
    public string DefaultTimeZone { get; set; } = "UTC";

    /// <summary>Unfinished (queued or answering) questions one user may have; one more is refused with 429.</summary>
    [Range(1, 100)]
    public int MaxActiveQuestionsPerUser { get; set; } = 3;

    /// <summary>A question no worker started within this long expires (the asker has moved on).</summary>
    [Range(5, 86_400)]
    public int QueueTimeoutSeconds { get; set; } = 300;

    /// <summary>One attempt's limit; an answer slower than this fails (answer_timeout) and frees the worker.</summary>
    [Range(1, 3_600)]
    public int AnswerTimeoutSeconds { get; set; } = 60;

    /// <summary>Attempts (claims) before a question that keeps failing is failed and dead-lettered.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Questions one replica answers at once; a queued event arriving when all are busy is left to another replica.</summary>
    [Range(1, 256)]
    public int WorkerConcurrency { get; set; } = 4;

    /// <summary>How often the sweeper republishes, requeues lost leases and expires.</summary>
    [Range(50, 600_000)]
    public int SweepIntervalMs { get; set; } = 5_000;

    /// <summary>A queued question whose event was published this long ago and is still unclaimed is published again (the
    /// broker lost it, or it reached a replica with no free worker).</summary>
    [Range(1, 86_400)]
    public int RepublishAfterSeconds { get; set; } = 30;

    /// <summary>How often a worker checks whether the question it answers was cancelled (on another replica).</summary>
    [Range(20, 60_000)]
    public int CancelPollMs { get; set; } = 500;

    /// <summary>Back-off before a failed attempt's retry, doubled per attempt.</summary>
    [Range(0, 600_000)]
    public int RetryBackoffMs { get; set; } = 2_000;

    /// <summary>A worker's lease lasts the answer timeout plus this margin; a lease that runs out means the worker died.</summary>
    [Range(1, 3_600)]
    public int LeaseMarginSeconds { get; set; } = 15;

    /// <summary>How long an ephemeral live item (a streamed piece) stays worth pushing.</summary>
    [Range(1, 3_600)]
    public int LiveItemTtlSeconds { get; set; } = 300;

    public TimeSpan AnswerTimeout => TimeSpan.FromSeconds(AnswerTimeoutSeconds);
    public TimeSpan Lease => TimeSpan.FromSeconds(AnswerTimeoutSeconds + LeaseMarginSeconds);
    public TimeSpan QueueTimeout => TimeSpan.FromSeconds(QueueTimeoutSeconds);
    public TimeSpan RetryBackoff(int attempt) => TimeSpan.FromMilliseconds(RetryBackoffMs * Math.Pow(2, Math.Clamp(attempt - 1, 0, 10)));
}
