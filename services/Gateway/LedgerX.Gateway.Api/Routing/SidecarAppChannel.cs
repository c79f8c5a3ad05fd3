namespace LedgerX.Gateway.Api.Routing;

/// <summary>
/// What the gateway's own sidecar asks of it when it starts, as of every app: its subscriptions (none: the gateway
/// consumes no events) and its configuration (none: no actors, hence 404, which daprd reads as "no configuration").
/// Open without a token, as the sidecar sends none; they reveal nothing and reach no service. Without them the
/// sidecar got 401 and stayed unhealthy.
/// </summary>
internal static class SidecarAppChannel
{
    public static WebApplication MapSidecarAppChannel(this WebApplication app)
    {
        app.MapGet("/dapr/subscribe", () => Results.Json(Array.Empty<object>())).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/dapr/config", () => Results.NotFound()).AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
