namespace LedgerX.Auth.Api.Persistence;

/// <summary>An event waiting to be published, written in the same transaction as the change it reports.</summary>
public sealed class OutboxRow
{
    public long Id { get; set; }
    public Guid EventId { get; set; }
    public required string Topic { get; set; }
    public required string Payload { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }

    /// <summary>The W3C context current when the row was written; the relay publishes under it (ADR 0023).</summary>
    public string? TraceParent { get; set; }

    public string? TraceState { get; set; }
}
