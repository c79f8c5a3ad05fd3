using System.Globalization;

namespace LedgerX.Notifications.Api.Intake;

/// <summary>Who owns an account (from account.opened.v1). World accounts are the ledger's own side of deposits and
/// withdrawals: nobody is notified about them.</summary>
public sealed record AccountOwner(string OwnerId, bool IsWorld);

/// <summary>The UserEvents of one domain event, or the accounts whose owner is not projected yet (the event is retried:
/// account.opened.v1 of the account is on its way).</summary>
public sealed record Mapping(IReadOnlyList<UserEvent> Events, IReadOnlyList<Guid> MissingAccounts)
{
    public static Mapping Of(params UserEvent[] events) => new(events, []);
}

/// <summary>
/// The pure mapping of a domain event to the UserEvents of the users it concerns, one per user: a user who owns both
/// sides of an entry (a transfer between their own accounts) gets one event, the debit, which names the other account.
/// Data keys are <see cref="UserEventData"/>'s.
/// </summary>
public static class UserEventMapping
{
    public static IReadOnlyList<Guid> AccountsOf(TransactionPosted e) => [.. e.Postings!.Select(p => p.AccountId!.Value).Distinct()];

    public static Mapping Map(Guid eventId, TransactionPosted e, IReadOnlyDictionary<Guid, AccountOwner> owners)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(owners);
        var missing = AccountsOf(e).Where(a => !owners.ContainsKey(a)).ToList();
        if (missing.Count > 0)
        {
            return new Mapping([], missing);
        }
        var events = new List<UserEvent>();
        var customerLines = e.Postings!.Where(p => !owners[p.AccountId!.Value].IsWorld).ToList();
        foreach (var byOwner in customerLines.GroupBy(p => owners[p.AccountId!.Value].OwnerId))
        {
            // The debit first: moving money out is what the owner did; the credit side is named as the counterparty.
            var line = byOwner.OrderBy(p => p.Direction == "debit" ? 0 : 1).First();
            var counterparty = e.Postings!.FirstOrDefault(p => p.Direction != line.Direction && p.AccountId != line.AccountId);
            var data = new Dictionary<string, string>
            {
                [UserEventData.EntryId] = e.EntryId!.Value.ToString(),
                [UserEventData.EntryKind] = e.Kind!,
            };
            if (!string.IsNullOrEmpty(e.Description))
            {
                data[UserEventData.Description] = e.Description;
            }
            if (counterparty is not null)
            {
                data[UserEventData.Counterparty] = owners[counterparty.AccountId!.Value].IsWorld
                    ? UserEventData.ExternalCounterparty
                    : counterparty.AccountId!.Value.ToString();
            }
            if (line.BalanceAfter is { } balance)
            {
                data[UserEventData.BalanceAfter] = balance.ToString(CultureInfo.InvariantCulture);
            }
            events.Add(new UserEvent(eventId, byOwner.Key,
                line.Direction == "debit" ? UserEventKinds.TransactionDebited : UserEventKinds.TransactionCredited,
                e.OccurredAt!.Value, line.AccountId, new Money(line.Amount!.Value, line.Currency!), data));
        }
        return new Mapping(events, []);
    }

    public static Mapping Map(Guid eventId, string kind, HoldEvent e, AccountOwner? owner)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (owner is null)
        {
            return new Mapping([], [e.AccountId!.Value]);
        }
        if (owner.IsWorld)
        {
            return Mapping.Of();
        }
        var data = new Dictionary<string, string> { [UserEventData.HoldId] = e.HoldId!.Value.ToString() };
        if (e.ToAccountId is { } to)
        {
            data[UserEventData.Counterparty] = to.ToString();
        }
        if (e.ExpiresAt is { } expires)
        {
            data[UserEventData.ExpiresAt] = expires.ToString("O", CultureInfo.InvariantCulture);
        }
        if (!string.IsNullOrEmpty(e.Description))
        {
            data[UserEventData.Description] = e.Description;
        }
        if (e.EntryId is { } entry)
        {
            data[UserEventData.EntryId] = entry.ToString();
        }
        return Mapping.Of(new UserEvent(eventId, owner.OwnerId, kind, e.OccurredAt!.Value, e.AccountId, new Money(e.Amount!.Value, e.Currency!), data));
    }

    /// <summary>Both parties of a reversal: the account the original entry moved money from and its counterparty.</summary>
    public static Mapping Map(Guid eventId, string kind, DateTimeOffset occurredAt, ReversalParties parties, Money? amount, string? reason,
        IReadOnlyDictionary<Guid, AccountOwner> owners)
    {
        ArgumentNullException.ThrowIfNull(parties);
        ArgumentNullException.ThrowIfNull(owners);
        Guid[] accounts = [parties.AccountId, parties.CounterpartyAccountId];
        var missing = accounts.Where(a => !owners.ContainsKey(a)).ToList();
        if (missing.Count > 0)
        {
            return new Mapping([], missing);
        }
        var events = new List<UserEvent>();
        foreach (var account in accounts.Where(a => !owners[a].IsWorld).DistinctBy(a => owners[a].OwnerId))
        {
            var data = new Dictionary<string, string>
            {
                [UserEventData.ReversalId] = parties.ReversalId.ToString(),
                [UserEventData.EntryId] = parties.EntryId.ToString(),
            };
            if (!string.IsNullOrEmpty(reason))
            {
                data[UserEventData.Reason] = reason;
            }
            events.Add(new UserEvent(eventId, owners[account].OwnerId, kind, occurredAt, account, amount ?? parties.Amount, data));
        }
        return new Mapping(events, []);
    }

    public static Mapping Map(Guid eventId, string kind, AccountFreezeChanged e, AccountOwner? owner)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (owner is null)
        {
            return new Mapping([], [e.AccountId!.Value]);
        }
        var data = new Dictionary<string, string>();
        if (!string.IsNullOrEmpty(e.Reason))
        {
            data[UserEventData.Reason] = e.Reason;
        }
        return owner.IsWorld ? Mapping.Of() : Mapping.Of(new UserEvent(eventId, owner.OwnerId, kind, e.OccurredAt!.Value, e.AccountId, null, data));
    }

    public static Mapping Map(Guid eventId, FraudFlagged e, AccountOwner? owner)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (owner is null)
        {
            return new Mapping([], [e.AccountId!.Value]);
        }
        var data = new Dictionary<string, string> { [UserEventData.AlertId] = e.AlertId!.Value.ToString() };
        if (!string.IsNullOrEmpty(e.Action))
        {
            data[UserEventData.Action] = e.Action;
        }
        return owner.IsWorld
            ? Mapping.Of()
            : Mapping.Of(new UserEvent(eventId, owner.OwnerId, UserEventKinds.FraudFlagged, e.OccurredAt!.Value, e.AccountId,
                new Money(e.Amount!.Value, e.Currency!), data));
    }

    /// <summary>The confirmation or reset link goes to the address in the message, which may not be the confirmed one
    /// (confirming it is the point); the token is secret (<see cref="UserEventData.SecretToken"/>).</summary>
    public static UserEvent Map(Guid eventId, AccountMessage e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new UserEvent(eventId, e.UserId!.Value.ToString(),
            e.Kind == AccountMessage.ConfirmEmail ? UserEventKinds.SecurityEmailConfirmation : UserEventKinds.SecurityPasswordReset,
            e.OccurredAt!.Value, null, null,
            new Dictionary<string, string> { [UserEventData.Email] = e.Email!, [UserEventData.SecretToken] = e.Token! });
    }

    /// <summary>auth-service's audit events a user should hear about, about that user; anything else maps to nothing.</summary>
    public static UserEvent? Map(Guid eventId, AuditRecorded e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Source != AuthAudit.Source || e.Subject is not { Type: AuthAudit.UserSubject, Id: { Length: > 0 } user })
        {
            return null;
        }
        var kind = (e.Action, e.Outcome) switch
        {
            (AuthAudit.LockedOut, _) => UserEventKinds.SecuritySignInLockedOut,
            (AuthAudit.PasswordChanged or AuthAudit.PasswordReset, AuthAudit.Succeeded) => UserEventKinds.SecurityPasswordChanged,
            (AuthAudit.TwoFactorEnabled or AuthAudit.TwoFactorDisabled, AuthAudit.Succeeded) => UserEventKinds.SecurityTwoFactorChanged,
            (AuthAudit.SignInSucceeded, AuthAudit.Succeeded) => UserEventKinds.SecurityNewSignIn,
            _ => null,
        };
        if (kind is null)
        {
            return null;
        }
        var data = new Dictionary<string, string> { [UserEventData.Action] = e.Action! };
        foreach (var key in AuthAudit.ForwardedDetails)
        {
            if (e.Details?.TryGetValue(key, out var value) == true)
            {
                data[key] = value;
            }
        }
        return new UserEvent(eventId, user, kind, e.OccurredAt!.Value, null, null, data);
    }
}

/// <summary>A reversal's parties, remembered from reversal.requested.v1 for its completion or failure.</summary>
public sealed record ReversalParties(Guid ReversalId, Guid EntryId, Guid AccountId, Guid CounterpartyAccountId, Money Amount);

/// <summary>auth-service's audit vocabulary as notification-service reads it (ServiceDefaults' AuditActions).</summary>
public static class AuthAudit
{
    public const string Source = "auth-service";
    public const string UserSubject = "user";
    public const string Succeeded = "succeeded";
    public const string LockedOut = "auth.user.locked_out";
    public const string PasswordChanged = "auth.password.changed";
    public const string PasswordReset = "auth.password.reset";
    public const string TwoFactorEnabled = "auth.two_factor.enabled";
    public const string TwoFactorDisabled = "auth.two_factor.disabled";
    public const string SignInSucceeded = "auth.sign_in.succeeded";

    /// <summary>Details a user may see about their own security event (never secrets; auth-service records none).</summary>
    public static readonly IReadOnlyList<string> ForwardedDetails = ["factor", "ip", "clientId"];
}
