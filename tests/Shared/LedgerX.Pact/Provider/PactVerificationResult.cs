namespace LedgerX.Pact;

/// <summary>
/// A verification's outcome. <paramref name="Output"/> is the verifier's report without colour codes (it names each
/// failing interaction and the field that differs); <paramref name="Json"/> is pact_ffi's machine-readable report.
/// </summary>
public sealed record PactVerificationResult(bool Passed, string Output, string? Json)
{
    /// <summary>pact_ffi's log of this verification (info level): requests to the broker, publishing, state calls.</summary>
    public string? Logs { get; init; }

    public override string ToString() => $"{(Passed ? "passed" : "FAILED")}\n{Output}";
}
