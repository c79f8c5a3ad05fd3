namespace LedgerX.Fraud.Api.ServiceIdentity;

/// <summary>Adds the Dapr API token (<c>dapr-api-token</c>) to calls to the sidecar when one is configured, as the Dapr
/// SDK's own clients do: a sidecar started with an API token refuses calls without it.</summary>
public sealed class SidecarApiToken(string? token) : DelegatingHandler
{
    public const string Header = "dapr-api-token";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(token))
        {
            request.Headers.Remove(Header);
            request.Headers.Add(Header, token);
        }
        return base.SendAsync(request, cancellationToken);
    }
}
