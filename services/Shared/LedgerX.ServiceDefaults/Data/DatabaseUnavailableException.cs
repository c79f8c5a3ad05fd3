using Npgsql;

namespace LedgerX.ServiceDefaults.Data;

/// <summary>
/// The database is not answering: the breaker is open, or an operation outlived
/// <see cref="DatabaseBreakerOptions.OperationTimeoutMs"/>. An <see cref="NpgsqlException"/> that says it is transient, so
/// everything that already handles a dropped connection handles it the same way: requests answer 503
/// <c>database_unavailable</c> (Errors/DatabaseUnavailableExceptionHandler), background loops log and retry later.
/// </summary>
public sealed class DatabaseUnavailableException : NpgsqlException
{
    public DatabaseUnavailableException()
    {
    }

    public DatabaseUnavailableException(string message) : base(message)
    {
    }

    public DatabaseUnavailableException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    public override bool IsTransient => true;
}
