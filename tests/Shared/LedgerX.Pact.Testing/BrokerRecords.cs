namespace LedgerX.Pact.Testing;

/// <summary>One request the stand-in broker received, with the status it answered (404: a request it does not know).</summary>
public sealed record BrokerRequest(string Method, string Path, string Query, string? Authorization, string Body, int Status)
{
    public override string ToString() => $"{Method} {Path}{Query} → {Status}";
}

/// <summary>A pact as published by a consumer version (<c>POST /contracts/publish</c> or <see cref="StandInPactBroker.Publish"/>).</summary>
/// <param name="ContentSha">SHA-256 of the content: the pact's identity, as the real broker's pact version. Verification
/// results belong to the content, so two consumer versions publishing the same content share them.</param>
public sealed record PublishedPact(
    string Consumer, string ConsumerVersion, string? Branch, string Provider, string Content, string ContentSha, string? BuildUrl);

/// <summary>A verification result a provider version published for a pact (identified by its content).</summary>
/// <param name="ProviderBranch">The branch the provider version was recorded on (<c>PUT …/branches/{branch}/versions/{version}</c>), if any.</param>
public sealed record VerificationResult(
    int Number, string Provider, string ProviderVersion, string? ProviderBranch, string Consumer, string PactContentSha, bool Success, string? BuildUrl);

/// <summary>A pacticipant version recorded as deployed to an environment; a later deployment of the same pacticipant
/// to the same environment replaces it (one application instance).</summary>
public sealed record Deployment(string Pacticipant, string Version, string Environment);
