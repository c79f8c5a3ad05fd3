namespace LedgerX.Transactions.Domain;

/// <summary>How a refused command should be reported; the HTTP layer maps each kind to one status code.</summary>
public enum LedgerErrorKind
{
    /// <summary>The request itself is malformed or out of range (400).</summary>
    Validation,
    /// <summary>The resource named in the path does not exist (404).</summary>
    NotFound,
    /// <summary>The request is well-formed but breaks a ledger rule: unknown account in the body, currency
    /// mismatch, insufficient funds, frozen account (422).</summary>
    RuleViolation,
    /// <summary>The target is in a state that does not allow the action: hold already posted, account not empty (409).</summary>
    Conflict,
}

/// <summary>Why the ledger refused a command. <see cref="Field"/> names the request field at fault, if any.</summary>
public sealed record LedgerError(LedgerErrorKind Kind, string Code, string Message, string? Field = null)
{
    public static LedgerError Validation(string field, string message) => new(LedgerErrorKind.Validation, "validation", message, field);
    public static LedgerError NotFound(string code, string message) => new(LedgerErrorKind.NotFound, code, message);
    public static LedgerError Rule(string code, string message, string? field = null) => new(LedgerErrorKind.RuleViolation, code, message, field);
    public static LedgerError Conflict(string code, string message, string? field = null) => new(LedgerErrorKind.Conflict, code, message, field);
}

/// <summary>Thrown by the domain when a command would break an invariant. Nothing has been changed when it is thrown:
/// deciders validate everything before they emit a single event.</summary>
public sealed class LedgerRuleException(LedgerError error) : Exception(error.Message)
{
    public LedgerError Error { get; } = error;
}
