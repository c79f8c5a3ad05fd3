using System.ComponentModel.DataAnnotations;

namespace LedgerX.Nlp.Api.Answering.Model;

/// <summary>Configuration section <c>Nlp:Model</c>: where the model endpoint is named and how long it may take (ADR 0018).</summary>
public sealed class ModelOptions
{
    public const string Section = "Nlp:Model";

    /// <summary>The Dapr secret store the model secret is read from.</summary>
    [Required]
    public string SecretStore { get; set; } = "secretstore";

    /// <summary>The secret naming the model: keys <c>endpoint</c>, <c>model</c>, <c>apiKey</c> (in a flat local file store:
    /// <c>nlp-model:endpoint</c>, …). Absent → the interpreter answers alone. Empty → the secret is never read.</summary>
    public string SecretName { get; set; } = "nlp-model";

    /// <summary>How often the secret is read again (a model added, changed or removed takes effect within this).</summary>
    [Range(5, 86_400)]
    public int RefreshSeconds { get; set; } = 300;

    /// <summary>How long one question may take on the model path (every model turn and tool call) before it is answered by
    /// the interpreter with <c>model_timeout</c>.</summary>
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>The circuit opens when at least this share of the model calls in the sampling window failed (errors and
    /// timeouts; an ungrounded phrasing is not a failure) …</summary>
    [Range(0.01, 1.0)]
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>… and the window held at least this many calls.</summary>
    [Range(2, 1_000)]
    public int BreakerMinimumThroughput { get; set; } = 4;

    [Range(1, 3_600)]
    public int BreakerSamplingSeconds { get; set; } = 60;

    /// <summary>How long an open circuit sends every question to the interpreter (<c>circuit_open</c>) before one trial
    /// question goes to the model again (half-open).</summary>
    [Range(1, 3_600)]
    public int BreakSeconds { get; set; } = 30;
}
