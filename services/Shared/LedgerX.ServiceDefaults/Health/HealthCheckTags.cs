namespace LedgerX.ServiceDefaults;

public static class HealthCheckTags
{
    /// <summary>Checks with this tag run on <c>/readyz</c>: the service cannot serve requests while one fails.</summary>
    public const string Ready = "ready";
}
