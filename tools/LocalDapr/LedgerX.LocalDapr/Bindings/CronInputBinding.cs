namespace LedgerX.LocalDapr.Bindings;

/// <summary>A <c>bindings.cron</c> input binding: on each tick the sidecar POSTs to <c>/{name}</c> on the app.</summary>
public sealed record CronInputBinding(string Name, CronSchedule Schedule);
