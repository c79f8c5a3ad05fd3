namespace LedgerX.Nlp.Api.Tools;

/// <summary>How a question names an account ("my savings", "the account ending 4821"): the ledger's accounts carry no
/// name or number of their own, so both come from the metadata the account was opened with (<c>name</c>, <c>last4</c>),
/// else a plain "Account" and the last four characters of its id.</summary>
internal static class AccountNames
{
    public const string NameKey = "name";
    public const string Last4Key = "last4";
    public const string DefaultName = "Account";

    public static string Name(LedgerAccount account) =>
        account.Metadata?.GetValueOrDefault(NameKey) is { Length: > 0 } name ? name : DefaultName;

    public static string Last4(LedgerAccount account) =>
        account.Metadata?.GetValueOrDefault(Last4Key) is { Length: 4 } last4 ? last4 : account.Id.ToString("N")[^4..].ToUpperInvariant();
}
