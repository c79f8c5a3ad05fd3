namespace LedgerX.Cli.Nlp;

/// <summary>A `ledgerx ask` as given on the command line, already validated.</summary>
/// <param name="Gateway">The gateway's base URL: the question, the live feed and the answer all go through it.</param>
/// <param name="Token">The asker's access token (nlp:ask; notifications:manage for the live feed); null calls without one.</param>
/// <param name="TimeZone">IANA zone periods such as "last month" are read in; null leaves it to the service.</param>
/// <param name="Stream">Follow the answer on the live feed (else poll GET).</param>
/// <param name="Timeout">How long to wait for the answer before leaving it to be read later.</param>
/// <param name="Json">Print only the final question as JSON (no streamed text).</param>
internal sealed record AskSettings(Uri Gateway, string? Token, string? TimeZone, string? Language, bool Stream, TimeSpan Timeout, bool Json)
{
    public const int MaxQuestionLength = 500;
    public const int MaxCommentLength = 1_000;
    public static readonly string[] Languages = ["en", "de"];
}
