namespace LedgerX.Nlp.Api.Questions.Persistence;

/// <summary>The states of a question. Queued and answering are unfinished (they count against the per-user limit); the
/// others are final.</summary>
public static class QuestionStatus
{
    public const string Queued = "queued";
    public const string Answering = "answering";
    public const string Answered = "answered";
    public const string Refused = "refused";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
    public const string Expired = "expired";

    public static readonly IReadOnlyList<string> Unfinished = [Queued, Answering];

    public static bool IsFinal(string status) => status is Answered or Refused or Failed or Cancelled or Expired;
}

/// <summary>
/// One question, its answer and its place in the queue. The row is the outbox of the queue: it is inserted before the
/// queued event is published, and <see cref="PublishedAt"/> stays null until the broker took the event, so the sweeper
/// republishes what a crash or a broker outage lost. Changes of <see cref="Status"/> are conditional UPDATEs (see
/// QuestionStore), never read-modify-write, so replicas racing on one row cannot both win.
/// </summary>
public sealed class QuestionRow
{
    public Guid Id { get; set; }

    /// <summary>The asker: the token's <c>sub</c>.</summary>
    public string UserId { get; set; } = "";

    public string Text { get; set; } = "";
    public string Language { get; set; } = "";

    /// <summary>IANA zone that periods such as "last month" are read in.</summary>
    public string TimeZone { get; set; } = "";

    public string Status { get; set; } = QuestionStatus.Queued;

    public DateTimeOffset AskedAt { get; set; }

    /// <summary>When the queued event last reached the broker; null while a (re)publish is owed.</summary>
    public DateTimeOffset? PublishedAt { get; set; }

    /// <summary>Not claimed before this (a retry's back-off).</summary>
    public DateTimeOffset NotBefore { get; set; }

    /// <summary>First claim by a worker: the end of the queue wait.</summary>
    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>Claims so far (each claim is one attempt, counted when claimed so a crashed worker's attempt counts).</summary>
    public int Attempts { get; set; }

    /// <summary>Who answers now and until when; a lease that ran out belongs to a worker that died.</summary>
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }

    /// <summary>The asker's bearer token, encrypted with Data Protection; wiped (null) when the question ends.</summary>
    public string? TokenProtected { get; set; }

    /// <summary>The relayed token's <c>exp</c>: a question claimed after it fails as <c>token_expired</c>.</summary>
    public DateTimeOffset TokenExpiresAt { get; set; }

    /// <summary>The answer (<see cref="StoredAnswer"/> as JSON) once answered or refused.</summary>
    public string? AnswerJson { get; set; }

    public string? Intent { get; set; }
    public string? Engine { get; set; }
    public string? TemplateVersion { get; set; }
    public string? PromptVersion { get; set; }
    public string? Model { get; set; }
    public string? FallbackReason { get; set; }

    /// <summary>The tool calls the answer made (JSON array of {tool, arguments}), for evaluation and audits.</summary>
    public string? ToolCallsJson { get; set; }

    public string? ErrorCode { get; set; }
    public string? ErrorMessage { get; set; }

    /// <summary>Set when the question failed for good after its last attempt (listed for operators).</summary>
    public DateTimeOffset? DeadAt { get; set; }

    public int? RatingScore { get; set; }
    public string? RatingComment { get; set; }
    public DateTimeOffset? RatedAt { get; set; }
}
