namespace LedgerX.Nlp.Api.Answering;

/// <summary>
/// Thrown by a tool when a downstream service refuses the relayed token (401: it expired or was revoked while the question
/// waited). The worker fails the question as <c>token_expired</c> at once instead of retrying: another attempt with the
/// same token would be refused again.
/// </summary>
public sealed class RelayedTokenRejectedException(string message, Exception? inner = null) : Exception(message, inner)
{
    public RelayedTokenRejectedException() : this("The relayed token was refused.")
    {
    }
}
