namespace LedgerX.Cli.Nlp;

/// <summary>A `ledgerx nlp-latency` run as asked for on the command line, already validated.</summary>
/// <param name="Gateway">The gateway's base URL: questions, the live feeds and the baseline transfers go through it.</param>
/// <param name="CustomerTokens">One or more customers' tokens; questions go to them in turn, so each customer's budgets
/// (gateway <c>nlp</c>: 10 at once, 1 more every 3 s; 3 unfinished questions) bound the rate only per customer.</param>
/// <param name="FundingToken">A teller's or admin's token (ledger:fund) for the deposit that pays for the baseline transfers.</param>
/// <param name="Rate">Questions started per second, on a fixed schedule (open loop).</param>
/// <param name="Questions">How many questions are asked in all.</param>
/// <param name="Texts">The questions, asked in turn.</param>
/// <param name="AnswerTimeout">How long after the last question the last answers may take before they count as lost.</param>
internal sealed record NlpLatencySettings(
    Uri Gateway,
    IReadOnlyList<string> CustomerTokens,
    string FundingToken,
    double Rate,
    int Questions,
    IReadOnlyList<string> Texts,
    TimeSpan AnswerTimeout,
    string? JsonPath)
{
    public const double MaxRate = 100;
    public const int MaxQuestions = 10_000;
    public const string Currency = "EUR";

    /// <summary>The common questions the interpreter answers, one per intent family that needs no record id.</summary>
    public static readonly string[] DefaultTexts =
    [
        "What did I spend on groceries last month?",
        "How much did I spend this month?",
        "Income vs spending last month",
        "What is my balance?",
        "What were my 3 largest transactions this month?",
        "Who did I pay the most this year?",
        "Did I spend more this month than last month?",
    ];
}
