namespace LedgerX.ServiceDefaults.Secrets;

/// <summary>Start-up cannot have a credential: the message names the secret, the store and the configuration key it
/// was for, never a value.</summary>
public sealed class SecretStoreException(string message, Exception? inner = null) : Exception(message, inner);
