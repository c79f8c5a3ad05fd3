namespace LedgerX.Notifications.Api.Intake;

/// One thing that happened to one user, derived from one domain event (an event touching two users → two UserEvents).
/// The seam between intake and the modules that act on it (notifications, webhooks, live feed): each receives every
/// UserEvent through <see cref="IUserEventSink"/> and never reads the domain events itself.
public sealed record UserEvent(
    Guid EventId,            // the domain event's id (CloudEvent id); (EventId, UserId) is unique
    string UserId,           // the token `sub` of the user it concerns (owner of the account)
    string Kind,             // stable kind, constants in UserEventKinds
    DateTimeOffset OccurredAt,
    Guid? AccountId,
    Money? Amount,           // long minor units + ISO 4217 currency
    IReadOnlyDictionary<string, string> Data); // template fields: entryId, description, counterparty, balanceAfter...

/// <summary>
/// Intake calls every registered sink in turn with each UserEvent of a domain event. A sink dedupes on
/// (EventId, UserId) in its own tables, so a redelivered event, or a retry after another sink failed, changes nothing
/// twice. A sink that throws makes the subscription answer RETRY. Register sinks as scoped services
/// (<c>builder.Services.AddScoped&lt;IUserEventSink, MySink&gt;()</c>): they use their module's DbContext.
/// </summary>
public interface IUserEventSink
{
    Task AcceptAsync(UserEvent e, CancellationToken ct);
}

/// <summary>The stable kinds of <see cref="UserEvent"/>: what preferences, templates, webhook subscriptions and live
/// clients name. Never renamed; a new meaning gets a new kind.</summary>
public static class UserEventKinds
{
    public const string TransactionCredited = "transaction.credited";
    public const string TransactionDebited = "transaction.debited";
    public const string HoldCreated = "hold.created";
    public const string HoldPosted = "hold.posted";
    public const string HoldVoided = "hold.voided";
    public const string HoldExpired = "hold.expired";
    public const string ReversalRequested = "reversal.requested";
    public const string ReversalCompleted = "reversal.completed";
    public const string ReversalFailed = "reversal.failed";
    public const string FraudFlagged = "fraud.flagged";
    public const string AccountFrozen = "account.frozen";
    public const string AccountUnfrozen = "account.unfrozen";

    /// <summary>auth.account_message.v1: the link to confirm an e-mail address. Always sent by e-mail to the address in
    /// the message, whatever the preferences say.</summary>
    public const string SecurityEmailConfirmation = "security.email_confirmation";

    /// <summary>auth.account_message.v1: the link to reset a password. Always sent, like the confirmation.</summary>
    public const string SecurityPasswordReset = "security.password_reset";

    /// <summary>audit.recorded.v1 of auth-service: security events a user should hear about.</summary>
    public const string SecuritySignInLockedOut = "security.sign_in_locked_out";
    public const string SecurityPasswordChanged = "security.password_changed";
    public const string SecurityTwoFactorChanged = "security.two_factor_changed";
    public const string SecurityNewSignIn = "security.new_sign_in";

    /// <summary>Every kind, in a stable order (preferences list them, webhooks validate subscriptions against them).</summary>
    public static readonly IReadOnlyList<string> All =
    [
        TransactionCredited, TransactionDebited, HoldCreated, HoldPosted, HoldVoided, HoldExpired,
        ReversalRequested, ReversalCompleted, ReversalFailed, FraudFlagged, AccountFrozen, AccountUnfrozen,
        SecurityEmailConfirmation, SecurityPasswordReset, SecuritySignInLockedOut, SecurityPasswordChanged,
        SecurityTwoFactorChanged, SecurityNewSignIn,
    ];

    /// <summary>Kinds about the user's security: never deferred by quiet hours.</summary>
    public static bool IsSecurity(string kind) => kind.StartsWith("security.", StringComparison.Ordinal);
}

/// <summary>Keys of <see cref="UserEvent.Data"/> (template fields). Keys starting with <see cref="SecretPrefix"/> carry
/// secrets meant only for the e-mail to the user (a confirmation or reset token): webhooks and the live feed must drop them.</summary>
public static class UserEventData
{
    public const string SecretPrefix = "secret.";
    public const string SecretToken = "secret.token";

    public const string EntryId = "entryId";
    public const string EntryKind = "entryKind";
    public const string Description = "description";
    public const string Counterparty = "counterparty";
    public const string BalanceAfter = "balanceAfter";
    public const string HoldId = "holdId";
    public const string ExpiresAt = "expiresAt";
    public const string ReversalId = "reversalId";
    public const string Reason = "reason";
    public const string AlertId = "alertId";
    public const string Action = "action";
    public const string Email = "email";

    /// <summary>The counterparty of a deposit or withdrawal: the ledger's world account, outside the platform.</summary>
    public const string ExternalCounterparty = "external";

    /// <summary><paramref name="data"/> without the secret keys: what may leave the service other than by the user's e-mail.</summary>
    public static IReadOnlyDictionary<string, string> Public(IReadOnlyDictionary<string, string> data) =>
        data.Where(kv => !kv.Key.StartsWith(SecretPrefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value);
}
