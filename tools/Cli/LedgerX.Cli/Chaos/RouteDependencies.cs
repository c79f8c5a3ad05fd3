namespace LedgerX.Cli.Chaos;

/// <summary>One client request the chaos load repeats, and the services it needs to answer.</summary>
/// <param name="Name">Short name in the report.</param>
/// <param name="Path">Relative to the gateway; <c>{account}</c> is one of the load's accounts.</param>
/// <param name="Needs">The services on its synchronous path behind the gateway (the gateway itself is always needed).</param>
internal sealed record RouteProbe(string Name, string Path, IReadOnlyList<string> Needs)
{
    public bool NeedsAny(IEnumerable<string> down) => down.Any(Needs.Contains);
}

/// <summary>
/// Which gateway routes need which service, as data (availability with one service down is judged with it). Derived
/// from the gateway's routes (services/Gateway/LedgerX.Gateway.Api/appsettings.json, one YARP cluster per service)
/// and from what each service calls synchronously while answering: none of these reads calls another service (the
/// services check tokens with auth-service's keys, which they fetch once and cache, so a read does not need
/// auth-service; getting a token does). Writes are <see cref="Transfer"/> and <see cref="Reversal"/> (its 202 needs only
/// the ledger: the saga runs behind it, in transaction-service and its sidecar).
/// </summary>
internal static class RouteDependencies
{
    public static readonly RouteProbe Transfer = new("transfer", "/api/v1/transfers", [ChaosSystem.LedgerAppId]);

    public static readonly RouteProbe Reversal = new("reversal", "/api/v1/reversals", [ChaosSystem.LedgerAppId]);

    public static readonly IReadOnlyList<RouteProbe> Reads =
    [
        new("account", "/api/v1/accounts/{account}", [ChaosSystem.LedgerAppId]),
        new("risk-profile", "/api/v1/accounts/{account}/risk-profile", [ChaosSystem.FraudAppId]),
        new("alerts", "/api/v1/alerts/", [ChaosSystem.FraudAppId]),
        new("balance-history", "/api/v1/accounts/{account}/balance-history", [ChaosSystem.AnalyticsAppId]),
        new("notifications", "/api/v1/notifications/", [ChaosSystem.NotificationsAppId]),
        new("questions", "/api/v1/questions/", [ChaosSystem.NlpAppId]),
        new("openid-configuration", "/.well-known/openid-configuration", [ChaosSystem.AuthAppId]),
    ];

    public static IEnumerable<RouteProbe> All => [Transfer, Reversal, .. Reads];
}
