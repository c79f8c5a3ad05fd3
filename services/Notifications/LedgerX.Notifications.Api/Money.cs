namespace LedgerX.Notifications.Api;

/// <summary>An amount in minor units of its ISO 4217 currency (as every LedgerX service and event carries money).</summary>
public sealed record Money(long Amount, string Currency);
