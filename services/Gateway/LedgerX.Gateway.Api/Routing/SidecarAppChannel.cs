namespace LedgerX.Gateway.Api.Routing;

/// <summary>
/// What the gateway's own sidecar asks of it when it starts, as of every app: its subscriptions and its configuration,
/// both 404 (no subscriptions, no actors: daprd reads a 404 as "none"), so a client asking learns nothing either.
/// Open without a token, as the sidecar sends none; they reveal nothing and reach no service. Without them the
/// sidecar got 401 and stayed unhealthy.
/// </summary>
internal static class SidecarAppChannel
{
    public static WebApplication MapSidecarAppChannel(this WebApplication app)
    {
        app.MapGet("/dapr/subscribe", () => Results.NotFound()).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/dapr/config", () => Results.NotFound()).AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
