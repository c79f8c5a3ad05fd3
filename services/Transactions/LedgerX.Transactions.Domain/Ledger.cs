using LedgerX.Transactions.Domain.Events;

namespace LedgerX.Transactions.Domain;

/// <summary>
/// The double-entry ledger's rules. <see cref="Execute"/> decides which events a command produces, refusing it with a
/// <see cref="LedgerRuleException"/> before anything changes, then appends those events to the state. Deciding is pure:
/// it reads the state and the clock, nothing else.
/// </summary>
public sealed class Ledger(LedgerState state, TimeProvider clock)
{
    public LedgerState State => state;

    public IReadOnlyList<LedgerEvent> Execute(LedgerCommand command)
    {
        List<LedgerEvent> decided;
        try
        {
            decided = Decide(command);
        }
        catch (OverflowException)
        {
            // Only reachable with sums beyond 9.2 × 10^18 minor units; a refusal, not a server error.
            throw Refuse(LedgerError.Rule("amount_overflow", "The resulting balance would exceed what the ledger can represent."));
        }
        var appended = new List<LedgerEvent>(decided.Count);
        foreach (var e in decided)
        {
            appended.Add(state.Append(e));
        }
        return appended;
    }

    private List<LedgerEvent> Decide(LedgerCommand command) => command switch
    {
        OpenAccount c => [DecideOpen(c)],
        FreezeAccount c => DecideFreeze(c),
        UnfreezeAccount c => DecideUnfreeze(c),
        CloseAccount c => [DecideClose(c)],
        PostEntry c => DecidePostEntry(c),
        CreateHold c => [DecideCreateHold(c)],
        PostHold c => DecidePostHold(c),
        VoidHold c => [DecideVoidHold(c)],
        ExpireHold c => [DecideExpireHold(c)],
        RequestReversal c => [DecideRequestReversal(c)],
        CompleteReversal c => [DecideCompleteReversal(c)],
        FailReversal c => [DecideFailReversal(c)],
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown ledger command."),
    };

    private AccountOpened DecideOpen(OpenAccount c)
    {
        if (string.IsNullOrWhiteSpace(c.OwnerId) || c.OwnerId.Length > 128)
        {
            throw Refuse(LedgerError.Validation("ownerId", "The owner id must be 1 to 128 characters."));
        }
        if (c.OwnerId == Account.WorldOwner)
        {
            throw Refuse(LedgerError.Validation("ownerId", $"'{Account.WorldOwner}' is reserved for the ledger's world accounts."));
        }
        Currency.EnsureDefined(c.Currency);
        if (c.OverdraftLimit is < 0 or > Money.MaxAmount)
        {
            throw Refuse(LedgerError.Validation("overdraftLimit", $"The overdraft limit must be between 0 and {Money.MaxAmount} minor units."));
        }
        return Opened(AccountId.New(clock), c.OwnerId, c.Currency, AccountKind.Customer, c.OverdraftLimit, LedgerMetadata.Validate(c.Metadata));
    }

    private List<LedgerEvent> DecideFreeze(FreezeAccount c)
    {
        var account = CustomerAccountInPath(c.AccountId);
        if (string.IsNullOrWhiteSpace(c.Reason) || c.Reason.Length > FreezeAccount.MaxReasonLength)
        {
            throw Refuse(LedgerError.Validation("reason", $"A reason of 1 to {FreezeAccount.MaxReasonLength} characters is required."));
        }
        return account.Status switch
        {
            AccountStatus.Closed => throw Refuse(LedgerError.Conflict("account_closed", $"Account {c.AccountId} is closed.")),
            // Freezing twice is not an error: the fraud service may ask again, and the account is frozen either way.
            AccountStatus.Frozen => [],
            _ => [new AccountFrozen { EventId = NewEventId(), OccurredAt = clock.GetUtcNow(), AccountId = c.AccountId.Value, Reason = c.Reason }],
        };
    }

    private List<LedgerEvent> DecideUnfreeze(UnfreezeAccount c)
    {
        var account = CustomerAccountInPath(c.AccountId);
        return account.Status switch
        {
            AccountStatus.Closed => throw Refuse(LedgerError.Conflict("account_closed", $"Account {c.AccountId} is closed.")),
            AccountStatus.Active => [],
            _ => [new AccountUnfrozen { EventId = NewEventId(), OccurredAt = clock.GetUtcNow(), AccountId = c.AccountId.Value }],
        };
    }

    private AccountClosed DecideClose(CloseAccount c)
    {
        var account = CustomerAccountInPath(c.AccountId);
        if (account.Status == AccountStatus.Closed)
        {
            throw Refuse(LedgerError.Conflict("account_closed", $"Account {c.AccountId} is already closed."));
        }
        if (account.Status == AccountStatus.Frozen)
        {
            // A frozen account is under investigation; closing it would end the story before it is told.
            throw Refuse(LedgerError.Conflict("account_frozen", $"Account {c.AccountId} is frozen; unfreeze it before closing."));
        }
        if (account.Balance != 0 || account.Held != 0)
        {
            throw Refuse(LedgerError.Conflict("account_not_empty",
                $"Account {c.AccountId} can only be closed at zero balance with no pending holds (balance {account.Balance}, held {account.Held})."));
        }
        return new AccountClosed { EventId = NewEventId(), OccurredAt = clock.GetUtcNow(), AccountId = c.AccountId.Value };
    }

    private List<LedgerEvent> DecidePostEntry(PostEntry c)
    {
        if (c.Kind == EntryKind.HoldPost)
        {
            throw Refuse(LedgerError.Validation("kind", "Hold postings are made by posting the hold."));
        }
        // A reversal is a new entry that names the one it reverses (docs/design.md); only reversals may, and only
        // reversals get past a frozen account, so the reference cannot be left out.
        if ((c.Kind == EntryKind.Reversal) != (c.ReversesEntryId is not null))
        {
            throw Refuse(LedgerError.Validation("reversesEntryId", "A reversal must name the entry it reverses, and only a reversal may."));
        }
        if (c.FromHoldId is not null && c.Kind != EntryKind.Reversal)
        {
            throw Refuse(LedgerError.Validation("holdId", "Only a reversal may take the funds of a hold."));
        }
        var details = ValidateDetails(c.Details);
        var hold = c.FromHoldId is { } holdId ? PendingHold(holdId) : null;
        var events = new List<LedgerEvent>();
        var resolved = ResolvePostings(c, events, hold);
        if (c.ReversesEntryId is { } reversedId)
        {
            EnsureReversible(reversedId, c.Postings);
        }
        var entryId = EntryId.New(clock);
        if (hold is not null)
        {
            // The hold is posted as this entry: its reservation is released and at most that much is debited from it.
            var debited = Math.Min(hold.Amount.Amount, c.Postings
                .Where(p => p.AccountId == hold.AccountId && p.Direction == Direction.Debit && p.Money.Currency == hold.Amount.Currency)
                .Sum(p => p.Money.Amount));
            if (debited == 0)
            {
                throw Refuse(LedgerError.Rule("hold_not_used", $"The entry does not debit {hold.AccountId}, the account hold {hold.Id} reserved funds on.", "holdId"));
            }
            events.Add(new HoldPosted
            {
                EventId = NewEventId(), OccurredAt = clock.GetUtcNow(), HoldId = hold.Id.Value, AccountId = hold.AccountId.Value,
                ToAccountId = hold.ToAccountId.Value, Amount = debited, ReleasedAmount = hold.Amount.Amount - debited,
                Currency = hold.Amount.Currency.Code, EntryId = entryId.Value,
            });
        }
        events.Add(Posted(entryId, c.Kind, details, resolved, c.ReversesEntryId, hold?.Id));
        return events;
    }

    /// <summary>A reversal gives back at most what the entry moved and is not reversed yet, per currency. The writer
    /// decides reversals one after another on the locked log head, so two reversals of one entry can never both pass
    /// on the same remaining amount.</summary>
    private void EnsureReversible(EntryId reversedId, IReadOnlyList<PostingRequest> postings)
    {
        var original = state.FindEntry(reversedId)
            ?? throw Refuse(LedgerError.Rule("entry_not_found", $"Entry {reversedId} does not exist.", "reversesEntryId"));
        foreach (var (currency, amount) in postings.Where(p => p.Direction == Direction.Credit)
                     .GroupBy(p => p.Money.Currency).Select(g => (g.Key, g.Sum(p => p.Money.Amount))))
        {
            if (amount > original.RemainingIn(currency))
            {
                throw Refuse(LedgerError.Rule("reversal_exceeds_entry",
                    $"Entry {reversedId} has {original.RemainingIn(currency)} {currency} left to reverse (of {original.CreditedIn(currency)}); {amount} requested.", "amount"));
            }
        }
    }

    private ReversalRequested DecideRequestReversal(RequestReversal c)
    {
        if (string.IsNullOrWhiteSpace(c.Reason) || c.Reason.Length > RequestReversal.MaxReasonLength)
        {
            throw Refuse(LedgerError.Validation("reason", $"A reason of 1 to {RequestReversal.MaxReasonLength} characters is required."));
        }
        if (c.Amount is <= 0)
        {
            throw Refuse(LedgerError.Validation("amount", "The amount must be a positive number of minor units."));
        }
        var entry = state.FindEntry(c.EntryId) ?? throw Refuse(LedgerError.Rule("entry_not_found", $"Entry {c.EntryId} does not exist.", "entryId"));
        if (!RequestReversal.ReversibleKinds.Contains(entry.Kind) || entry is not { Payer: { } payer, Receiver: { } receiver, SingleCurrency: { } currency })
        {
            throw Refuse(LedgerError.Rule("entry_not_reversible",
                $"Entry {c.EntryId} is a {KindName(entry.Kind)}; only deposits, withdrawals, transfers and posted holds between two accounts can be reversed.", "entryId"));
        }
        if (entry.PostedAt < c.ReversibleSince)
        {
            throw Refuse(LedgerError.Rule("reversal_window_closed", $"Entry {c.EntryId} was posted at {entry.PostedAt:O}, before the reversal window opened ({c.ReversibleSince:O}).", "entryId"));
        }
        var remaining = entry.RemainingIn(currency);
        if (remaining == 0)
        {
            throw Refuse(LedgerError.Conflict("entry_already_reversed", $"Entry {c.EntryId} is already fully reversed.", "entryId"));
        }
        var amount = c.Amount ?? remaining;
        if (amount > remaining)
        {
            throw Refuse(LedgerError.Rule("reversal_exceeds_entry", $"Entry {c.EntryId} has {remaining} {currency} left to reverse; {amount} requested.", "amount"));
        }
        return new ReversalRequested
        {
            EventId = NewEventId(), OccurredAt = clock.GetUtcNow(), ReversalId = c.ReversalId.Value, EntryId = c.EntryId.Value,
            AccountId = receiver.Value, CounterpartyAccountId = payer.Value, Amount = amount, Currency = currency.Code, Reason = c.Reason,
            RequiresApproval = amount > c.ApprovalThresholds.For(currency),
        };
    }

    private ReversalCompleted DecideCompleteReversal(CompleteReversal c)
    {
        Money.Positive(c.Amount.Amount, c.Amount.Currency);
        return new ReversalCompleted
        {
            EventId = NewEventId(), OccurredAt = clock.GetUtcNow(), ReversalId = c.ReversalId.Value, EntryId = c.EntryId.Value,
            ReversalEntryId = c.ReversalEntryId.Value, Amount = c.Amount.Amount, Currency = c.Amount.Currency.Code,
        };
    }

    private ReversalFailed DecideFailReversal(FailReversal c)
    {
        if (string.IsNullOrWhiteSpace(c.Reason))
        {
            throw Refuse(LedgerError.Validation("reason", "A failed reversal needs a reason."));
        }
        // Reasons come from the saga (often an error message); keep the log bounded rather than refuse to record the failure.
        var reason = c.Reason.Length > FailReversal.MaxReasonLength ? c.Reason[..FailReversal.MaxReasonLength] : c.Reason;
        return new ReversalFailed
        {
            EventId = NewEventId(), OccurredAt = clock.GetUtcNow(), ReversalId = c.ReversalId.Value, EntryId = c.EntryId.Value,
            Reason = reason, Compensations = [.. c.Compensations],
        };
    }

    /// <summary>Checks every rule of a journal entry and returns its postings against real accounts. World accounts
    /// that do not exist yet are opened (their events are added to <paramref name="events"/>).</summary>
    private List<(Account Account, PostingRequest Request)> ResolvePostings(PostEntry c, List<LedgerEvent> events, Hold? hold)
    {
        if (c.Postings.Count < 2)
        {
            throw Refuse(LedgerError.Validation("postings", "A journal entry needs at least two postings."));
        }
        if (c.Postings.Count > PostEntry.MaxPostings)
        {
            throw Refuse(LedgerError.Validation("postings", $"A journal entry has at most {PostEntry.MaxPostings} postings."));
        }
        var net = new Dictionary<Currency, long>();
        foreach (var p in c.Postings)
        {
            Money.Positive(p.Money.Amount, p.Money.Currency, p.AmountField);
            net[p.Money.Currency] = checked(net.GetValueOrDefault(p.Money.Currency) + Signed(p));
        }
        if (net.Any(n => n.Value != 0))
        {
            var (currency, offBy) = net.First(n => n.Value != 0);
            throw Refuse(LedgerError.Validation("postings", $"Debits and credits must sum to zero per currency; {currency} is off by {offBy}."));
        }

        var resolved = new List<(Account, PostingRequest)>(c.Postings.Count);
        var change = new Dictionary<AccountId, (Account Account, long Delta, string Field)>();
        foreach (var p in c.Postings)
        {
            // A reversal gives money back the way it came, so reversing a deposit or a withdrawal names the world account.
            var account = p.AccountId is { } id ? FindInBody(id, p.Field, worldAllowed: c.Kind == EntryKind.Reversal) : WorldAccount(p.Money.Currency, events);
            if (account.Currency != p.Money.Currency)
            {
                throw Refuse(LedgerError.Rule("currency_mismatch",
                    $"Account {account.Id} holds {account.Currency}, not {p.Money.Currency}.", p.Field));
            }
            EnsureCanMoveMoney(account, p.Field, c.Kind);
            var (_, delta, field) = change.GetValueOrDefault(account.Id, (account, 0, p.Field));
            change[account.Id] = (account, checked(delta + Signed(p)), field);
            resolved.Add((account, p));
        }
        // The floor applies to the net effect on each account: a journal entry may debit and credit the same account.
        foreach (var (account, delta, field) in change.Values)
        {
            // Funds a hold reserved for this very entry are released by it, so they count as available here.
            var released = hold is not null && hold.AccountId == account.Id ? hold.Amount.Amount : 0;
            if (delta < 0 && !account.CanSpend(checked(-delta - released)))
            {
                throw Refuse(LedgerError.Rule("insufficient_funds",
                    $"Account {account.Id} has {account.Available} available (overdraft limit {account.OverdraftLimit}); {-delta} requested.", field));
            }
        }
        return resolved;
    }

    private HoldCreated DecideCreateHold(CreateHold c)
    {
        if (c.AccountId == c.ToAccountId)
        {
            throw Refuse(LedgerError.Validation("toAccountId", "A hold must move money to a different account."));
        }
        Money.Positive(c.Amount.Amount, c.Amount.Currency);
        var now = clock.GetUtcNow();
        // "Expires in N seconds" was asked at arrival; a hold whose expiry passed while it waited is still created
        // (and expired by maintenance), as it would have been had the service answered at once.
        if (c.ExpiresAt <= (c.RequestedAt ?? now))
        {
            throw Refuse(LedgerError.Validation("expiresInSeconds", "A hold must expire in the future."));
        }
        if (c.Description is { Length: > EntryDetails.MaxDescriptionLength })
        {
            throw Refuse(LedgerError.Validation("description", $"The description is at most {EntryDetails.MaxDescriptionLength} characters."));
        }
        // A reversal's hold is on the account that received the money, and the other side may be the world account
        // (a deposit being reversed), or the hold may be on it (a withdrawal being reversed).
        var forReversal = c.ForReversal is not null;
        var from = FindInBody(c.AccountId, "accountId", worldAllowed: forReversal);
        var to = FindInBody(c.ToAccountId, "toAccountId", worldAllowed: forReversal);
        foreach (var (account, field) in new[] { (from, "accountId"), (to, "toAccountId") })
        {
            if (account.Currency != c.Amount.Currency)
            {
                throw Refuse(LedgerError.Rule("currency_mismatch", $"Account {account.Id} holds {account.Currency}, not {c.Amount.Currency}.", field));
            }
            EnsureCanMoveMoney(account, field, forReversal ? EntryKind.Reversal : EntryKind.HoldPost);
        }
        if (!from.CanSpend(c.Amount.Amount))
        {
            throw Refuse(LedgerError.Rule("insufficient_funds",
                $"Account {from.Id} has {from.Available} available (overdraft limit {from.OverdraftLimit}); {c.Amount.Amount} requested.", "amount"));
        }
        return new HoldCreated
        {
            EventId = NewEventId(), OccurredAt = now, HoldId = HoldId.New(clock).Value, AccountId = from.Id.Value, ToAccountId = to.Id.Value,
            Amount = c.Amount.Amount, Currency = c.Amount.Currency.Code, ExpiresAt = c.ExpiresAt, Description = c.Description,
            ReversalId = c.ForReversal?.Value,
        };
    }

    private List<LedgerEvent> DecidePostHold(PostHold c)
    {
        var hold = HoldNotOwnedByAnother(c.HoldId, by: null, "post");
        var amount = c.Amount ?? hold.Amount.Amount;
        if (amount <= 0 || amount > hold.Amount.Amount)
        {
            throw Refuse(LedgerError.Validation("amount", $"The amount to post must be between 1 and the held {hold.Amount.Amount}."));
        }
        var from = state.FindAccount(hold.AccountId) ?? throw MissingAccount(hold.AccountId);
        var to = state.FindAccount(hold.ToAccountId) ?? throw MissingAccount(hold.ToAccountId);
        if (from.Kind == AccountKind.World || to.Kind == AccountKind.World)
        {
            // Only a reversal's hold touches a world account, and only its reversing entry may take it: posting it here
            // would move money into or out of the ledger without a deposit, a withdrawal or a reversal. Holds made since
            // reversal ids are recorded are refused above already; this covers the ones made before.
            throw Refuse(LedgerError.Conflict("world_account", $"Hold {c.HoldId} was made by a reversal against a world account; only that reversal can post it."));
        }
        EnsureCanMoveMoney(from, "accountId", EntryKind.HoldPost);
        EnsureCanMoveMoney(to, "toAccountId", EntryKind.HoldPost);

        // The reserved funds cover the posting: releasing the hold and debiting at most the same amount can never
        // take the available balance lower than it already was.
        var entryId = EntryId.New(clock);
        var money = new Money(amount, hold.Amount.Currency);
        PostingRequest[] postings = [new(from.Id, Direction.Debit, money, "accountId"), new(to.Id, Direction.Credit, money, "toAccountId")];
        var posted = Posted(entryId, EntryKind.HoldPost, new EntryDetails(hold.Description, null, LedgerMetadata.Empty),
            [(from, postings[0]), (to, postings[1])], null, hold.Id);
        var holdPosted = new HoldPosted
        {
            EventId = NewEventId(), OccurredAt = clock.GetUtcNow(), HoldId = hold.Id.Value, AccountId = from.Id.Value, ToAccountId = to.Id.Value,
            Amount = amount, ReleasedAmount = hold.Amount.Amount - amount, Currency = hold.Amount.Currency.Code, EntryId = entryId.Value,
        };
        return [holdPosted, posted];
    }

    private HoldVoided DecideVoidHold(VoidHold c)
    {
        var hold = HoldNotOwnedByAnother(c.HoldId, c.ByReversal, "void");
        return new HoldVoided
        {
            EventId = NewEventId(), OccurredAt = clock.GetUtcNow(), HoldId = hold.Id.Value, AccountId = hold.AccountId.Value,
            Amount = hold.Amount.Amount, Currency = hold.Amount.Currency.Code,
        };
    }

    private HoldExpired DecideExpireHold(ExpireHold c)
    {
        var hold = state.FindHold(c.HoldId) ?? throw Refuse(LedgerError.NotFound("hold_not_found", $"Hold {c.HoldId} does not exist."));
        var now = clock.GetUtcNow();
        if (hold.Status != HoldStatus.Pending || !hold.IsExpiredAt(now))
        {
            throw Refuse(LedgerError.Conflict("hold_not_expirable", $"Hold {c.HoldId} is {hold.Status.ToString().ToLowerInvariant()} and expires at {hold.ExpiresAt:O}."));
        }
        return new HoldExpired
        {
            EventId = NewEventId(), OccurredAt = now, HoldId = hold.Id.Value, AccountId = hold.AccountId.Value,
            Amount = hold.Amount.Amount, Currency = hold.Amount.Currency.Code,
        };
    }

    /// <summary>A pending hold that <paramref name="by"/> may void or post: a client's hold (no reversal) or, for a
    /// reversal's hold, only that reversal. Otherwise a client could void or post the hold a reversal saga waits on and
    /// make the saga fail. Ownership is checked before the hold's status, so the answer does not depend on its state.</summary>
    private Hold HoldNotOwnedByAnother(HoldId id, ReversalId? by, string action)
    {
        var hold = state.FindHold(id) ?? throw Refuse(LedgerError.NotFound("hold_not_found", $"Hold {id} does not exist."));
        if (hold.ReversalId is { } owner && owner != by)
        {
            throw Refuse(LedgerError.Conflict("hold_owned_by_reversal", $"Hold {id} belongs to reversal {owner}; only that reversal can {action} it."));
        }
        return PendingHold(id);
    }

    private Hold PendingHold(HoldId id)
    {
        var hold = state.FindHold(id) ?? throw Refuse(LedgerError.NotFound("hold_not_found", $"Hold {id} does not exist."));
        if (hold.Status != HoldStatus.Pending)
        {
            throw Refuse(LedgerError.Conflict("hold_not_pending", $"Hold {id} is already {hold.Status.ToString().ToLowerInvariant()}."));
        }
        if (hold.IsExpiredAt(clock.GetUtcNow()))
        {
            throw Refuse(LedgerError.Conflict("hold_expired", $"Hold {id} expired at {hold.ExpiresAt:O}."));
        }
        return hold;
    }

    private TransactionPosted Posted(EntryId entryId, EntryKind kind, EntryDetails details, IReadOnlyList<(Account Account, PostingRequest Request)> postings,
        EntryId? reverses, HoldId? holdId)
    {
        // Balances after each posting, computed in posting order on a scratch copy (the state changes only on Apply).
        var running = postings.Select(p => p.Account).DistinctBy(a => a.Id).ToDictionary(a => a.Id, a => a.Balance);
        var lines = new List<PostingLine>(postings.Count);
        foreach (var (account, request) in postings)
        {
            running[account.Id] = checked(running[account.Id] + Signed(request));
            lines.Add(new PostingLine(account.Id.Value, request.Direction == Direction.Credit ? "credit" : "debit",
                request.Money.Amount, request.Money.Currency.Code, running[account.Id]));
        }
        return new TransactionPosted
        {
            EventId = NewEventId(), OccurredAt = clock.GetUtcNow(), EntryId = entryId.Value, Kind = KindName(kind),
            Description = details.Description, Category = details.Category, Metadata = details.Metadata,
            ReversesEntryId = reverses?.Value, HoldId = holdId?.Value, Postings = lines,
        };
    }

    private AccountOpened Opened(AccountId id, string ownerId, Currency currency, AccountKind kind, long overdraftLimit, IReadOnlyDictionary<string, string> metadata) =>
        new()
        {
            EventId = NewEventId(), OccurredAt = clock.GetUtcNow(), AccountId = id.Value, OwnerId = ownerId, Currency = currency.Code,
            Kind = kind == AccountKind.World ? "world" : "customer", OverdraftLimit = overdraftLimit, Metadata = metadata,
        };

    /// <summary>The world account of a currency: the other side of deposits and withdrawals. Opened on first use.</summary>
    private Account WorldAccount(Currency currency, List<LedgerEvent> events)
    {
        if (state.FindWorldAccount(currency) is { } existing)
        {
            return existing;
        }
        var opened = events.OfType<AccountOpened>().FirstOrDefault(o => o.Kind == "world" && o.Currency == currency.Code)
            ?? Opened(AccountId.New(clock), Account.WorldOwner, currency, AccountKind.World, 0, LedgerMetadata.Empty);
        if (!events.Contains(opened))
        {
            events.Add(opened);
        }
        // A not-yet-applied world account: a fresh instance with zero balance is exactly what applying will create.
        return Account.Open(new AccountId(opened.AccountId), Account.WorldOwner, currency, AccountKind.World, 0, LedgerMetadata.Empty, opened.OccurredAt);
    }

    /// <summary>Checks the free text and returns the details with the validated (sorted, copied) metadata, so the event
    /// never shares a dictionary the caller could still change.</summary>
    private static EntryDetails ValidateDetails(EntryDetails details)
    {
        if (details.Description is { Length: > EntryDetails.MaxDescriptionLength })
        {
            throw Refuse(LedgerError.Validation("description", $"The description is at most {EntryDetails.MaxDescriptionLength} characters."));
        }
        if (details.Category is { Length: > EntryDetails.MaxCategoryLength })
        {
            throw Refuse(LedgerError.Validation("category", $"The category is at most {EntryDetails.MaxCategoryLength} characters."));
        }
        return details with { Metadata = LedgerMetadata.Validate(details.Metadata) };
    }

    private static void EnsureCanMoveMoney(Account account, string field, EntryKind kind)
    {
        switch (account.Status)
        {
            case AccountStatus.Closed:
                throw Refuse(LedgerError.Rule("account_closed", $"Account {account.Id} is closed.", field));
            // A reversal may still take money back from a frozen account: freezing is what fraud handling does
            // first, and reversing is what it does next.
            case AccountStatus.Frozen when kind != EntryKind.Reversal:
                throw Refuse(LedgerError.Rule("account_frozen", $"Account {account.Id} is frozen.", field));
        }
    }

    /// <summary>An account a command names by id. Clients cannot name world accounts: money enters and leaves the ledger
    /// only through deposits and withdrawals, which reach them by currency, and through reversals of those, which give
    /// the money back the way it came. Only reversals (<paramref name="worldAllowed"/>: a reversing entry or a reversal's
    /// hold) name them, and only the reversal saga issues those; no client request is turned into one.</summary>
    private Account FindInBody(AccountId id, string field, bool worldAllowed = false)
    {
        var account = state.FindAccount(id) ?? throw Refuse(LedgerError.Rule("account_not_found", $"Account {id} does not exist.", field));
        return account.Kind == AccountKind.World && !worldAllowed
            ? throw Refuse(LedgerError.Rule("world_account", $"Account {id} is a world account; use a deposit or a withdrawal.", field))
            : account;
    }

    private Account CustomerAccountInPath(AccountId id)
    {
        var account = state.FindAccount(id) ?? throw MissingAccount(id);
        if (account.Kind == AccountKind.World)
        {
            throw Refuse(LedgerError.Conflict("world_account", $"Account {id} is a world account; its status cannot change."));
        }
        return account;
    }

    private static LedgerRuleException MissingAccount(AccountId id) => Refuse(LedgerError.NotFound("account_not_found", $"Account {id} does not exist."));

    private static long Signed(PostingRequest p) => p.Direction == Direction.Credit ? p.Money.Amount : -p.Money.Amount;

    public static string KindName(EntryKind kind) => kind switch
    {
        EntryKind.Deposit => "deposit",
        EntryKind.Withdrawal => "withdrawal",
        EntryKind.Transfer => "transfer",
        EntryKind.Journal => "journal",
        EntryKind.HoldPost => "hold_post",
        EntryKind.Reversal => "reversal",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static EntryKind ParseKind(string kind) => kind switch
    {
        "deposit" => EntryKind.Deposit,
        "withdrawal" => EntryKind.Withdrawal,
        "transfer" => EntryKind.Transfer,
        "journal" => EntryKind.Journal,
        "hold_post" => EntryKind.HoldPost,
        "reversal" => EntryKind.Reversal,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown entry kind."),
    };

    private Guid NewEventId() => Guid.CreateVersion7(clock.GetUtcNow());

    private static LedgerRuleException Refuse(LedgerError error) => new(error);
}
