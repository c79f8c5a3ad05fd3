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
}
