using Dapr.Client;
using LedgerX.LocalDapr.Hosting;

namespace LedgerX.LocalDapr.Tests.Infrastructure;

public static class Clients
{
    /// <summary>A DaprClient pointed at a sidecar, built exactly as services build theirs.</summary>
    public static DaprClient For(LocalDaprSidecar sidecar, string? apiToken = null)
    {
        var builder = new DaprClientBuilder().UseGrpcEndpoint(sidecar.GrpcEndpoint).UseHttpEndpoint(sidecar.HttpEndpoint);
        if (apiToken is not null)
        {
            builder.UseDaprApiToken(apiToken);
        }

        return builder.Build();
    }
}
