namespace LedgerX.Nlp.Domain.Questions;

/// <summary>A minimum amount ("over 100 EUR"). Currency is null when the question named none: then it applies to
/// amounts in every currency, in that currency's minor units of two digits.</summary>
public sealed record AmountThreshold(long Minor, string? Currency);

/// <summary>Which of the asker's accounts a question names: by the last four digits of its number or by its name
/// ("savings"). Resolved only among the asker's own accounts.</summary>
public sealed record AccountReference(string? Last4, string? Name);

/// <summary>The typed slots of a question; null means "not said".</summary>
public sealed record QuestionSlots(
    Period? Period = null,
    string? Category = null,
    string? Counterparty = null,
    AmountThreshold? MinAmount = null,
    AccountReference? Account = null,
    int? Count = null,
    Guid? RecordId = null);

/// <summary>A question understood: intent, slots and how sure the interpreter is (1 = every slot said plainly; lower
/// when a default filled a slot or a typo was corrected).</summary>
public sealed record Interpretation(Intent Intent, QuestionSlots Slots, double Confidence);

public enum RefusalReason
{
    /// <summary>Not one of the questions the tools can answer (advice, forecasts, commands).</summary>
    Unsupported,
    /// <summary>About someone else's money; a user only asks about their own.</summary>
    OtherPersonsData,
    /// <summary>Two readings (two categories, two periods, two asks); answering one would be a guess.</summary>
    Ambiguous,
    /// <summary>The account or record named is not among the asker's (a foreign one looks exactly like a missing one).</summary>
    NotFound,
    /// <summary>The asker's token does not allow reading the data the question needs (a downstream service answered 401/403):
    /// the service says so rather than answering from less data than asked about.</summary>
    Forbidden,
}

/// <summary>An explicit "I can't answer that", with the reason the asker is told.</summary>
public sealed record Refusal(RefusalReason Reason, string Message)
{
    public static string ReasonName(RefusalReason reason) => reason switch
    {
        RefusalReason.Unsupported => "unsupported",
        RefusalReason.OtherPersonsData => "other_persons_data",
        RefusalReason.Ambiguous => "ambiguous",
        RefusalReason.NotFound => "not_found",
        RefusalReason.Forbidden => "forbidden",
        _ => throw new ArgumentOutOfRangeException(nameof(reason)),
    };
}

/// <summary>Either an interpretation or a refusal, never both.</summary>
public sealed record InterpretationResult(Interpretation? Interpretation, Refusal? Refusal)
{
    public static InterpretationResult Understood(Interpretation interpretation) => new(interpretation, null);

    public static InterpretationResult Refused(RefusalReason reason, string message) =>
        new(null, new Refusal(reason, "I can't answer that: " + message));
}
