namespace LedgerX.Auth.Audit;

/// <summary>The audit log's own settings: the app id (APP_ID, else auth-service) it writes its own records under.</summary>
public sealed record AuditLogSettings(string Source);
