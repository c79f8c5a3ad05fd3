namespace LedgerX.Nlp.Api.Tools;

/// <summary>A tool could not give its answer. The subclasses are what the worker tells apart: retry, refuse, or fail.</summary>
public abstract class ToolException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A downstream service answered 5xx, did not answer in time, or could not be reached (after the call's own
/// retries): transient, the worker retries the question.</summary>
public sealed class ToolUnavailableException(string appId, string message, Exception? inner = null) : ToolException(message, inner)
{
    public string AppId { get; } = appId;
}

/// <summary>A downstream service answered 401 or 403 to the asker's relayed token (it lacks the permission, e.g.
/// <c>ledger:read</c>): the answer is a refusal <c>forbidden</c>, not a crash and not a retry.</summary>
public sealed class ToolAccessDeniedException(string appId, int status, string message) : ToolException(message)
{
    public string AppId { get; } = appId;

    public int Status { get; } = status;
}

/// <summary>The asker's relayed token has expired (a downstream 401 while its <c>exp</c> has passed): the question fails
/// <c>token_expired</c>; retrying with the same token cannot help.</summary>
public sealed class ToolTokenExpiredException(string appId, DateTimeOffset? expiredAt)
    : ToolException($"The asker's token expired{(expiredAt is { } at ? $" at {at:O}" : "")}; {appId} refused it.")
{
    public string AppId { get; } = appId;
}

/// <summary>The question needs more records than a question may read (<see cref="ToolsOptions.MaxHistoryPages"/>,
/// <see cref="ToolsOptions.MaxListPages"/>): refused with a message that says so (ask about a shorter period).</summary>
public sealed class ToolLimitExceededException(string message) : ToolException(message);
