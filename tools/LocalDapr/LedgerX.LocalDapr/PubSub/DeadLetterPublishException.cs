namespace LedgerX.LocalDapr.PubSub;

/// <summary>
/// A message was given up (dropped, failed, expired or unroutable) but could not be published to its dead-letter
/// topic. Brokers must not acknowledge it: acknowledging would lose it, so it stays pending and is redelivered.
/// </summary>
public sealed class DeadLetterPublishException : Exception
{
    public DeadLetterPublishException()
    {
    }

    public DeadLetterPublishException(string message)
        : base(message)
    {
    }

    public DeadLetterPublishException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
