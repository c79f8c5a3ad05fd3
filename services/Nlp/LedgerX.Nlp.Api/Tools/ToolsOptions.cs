using System.ComponentModel.DataAnnotations;

namespace LedgerX.Nlp.Api.Tools;

/// <summary>Bounds of the tools' calls to the other services (section <c>Nlp:Tools</c>).</summary>
public sealed class ToolsOptions
{
    public const string Section = "Nlp:Tools";

    /// <summary>Pages of an account's history (200 postings each) one question may read. A period reaching further back
    /// is refused with a clear message rather than read without end.</summary>
    [Range(1, 500)]
    public int MaxHistoryPages { get; set; } = 25;

    /// <summary>Pages of alerts or reversals (200 each) one question may read.</summary>
    [Range(1, 100)]
    public int MaxListPages { get; set; } = 10;

    /// <summary>Time one attempt of one downstream call may take.</summary>
    [Range(100, 120_000)]
    public int CallTimeoutMs { get; set; } = 5_000;

    /// <summary>Retries of a read that failed transiently (5xx, timeout, no connection); every call is a GET, so a retry
    /// is safe. After them the tool throws <see cref="ToolUnavailableException"/> and the worker retries the question.</summary>
    [Range(0, 5)]
    public int Retries { get; set; } = 2;
}
