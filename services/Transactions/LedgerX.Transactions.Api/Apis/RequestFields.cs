using LedgerX.Transactions.Domain;

namespace LedgerX.Transactions.Api.Apis;

/// <summary>Reads request fields into domain values, refusing a missing or malformed one by name.</summary>
internal static class RequestFields
{
    public static T Required<T>(T? value, string field) where T : struct =>
        value ?? throw Missing(field);

    public static string Required(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw Missing(field) : value;

    public static Currency Currency(string? code, string field = "currency") =>
        Domain.Currency.TryParse(Required(code, field), out var currency)
            ? currency
            : throw new LedgerRuleException(LedgerError.Validation(field, $"'{code}' is not an active ISO 4217 currency code (upper case, e.g. EUR)."));

    public static Money Amount(long? amount, Currency currency, string field = "amount") =>
        Money.Positive(Required(amount, field), currency, field);

    /// <summary>v2's money object: a missing object is named <paramref name="field"/>, its parts <c>field.amount</c> and
    /// <c>field.currency</c>.</summary>
    public static Money Amount(V2.MoneyInput? money, string field = "amount")
    {
        var input = money ?? throw Missing(field);
        return Amount(input.Amount, Currency(input.Currency, $"{field}.currency"), $"{field}.amount");
    }

    public static Direction Direction(string? direction, string field) => direction switch
    {
        "debit" => Domain.Direction.Debit,
        "credit" => Domain.Direction.Credit,
        null => throw Missing(field),
        _ => throw new LedgerRuleException(LedgerError.Validation(field, "The direction must be \"debit\" or \"credit\".")),
    };

    public static EntryDetails Details(string? description, string? category, IReadOnlyDictionary<string, string>? metadata) =>
        new(description, category, LedgerMetadata.Validate(metadata));

    private static LedgerRuleException Missing(string field) => new(LedgerError.Validation(field, $"The {field} field is required."));
}
