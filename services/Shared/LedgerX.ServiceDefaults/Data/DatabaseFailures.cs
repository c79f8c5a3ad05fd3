using Npgsql;

namespace LedgerX.ServiceDefaults.Data;

/// <summary>What the database breaker counts as a failure.</summary>
public static class DatabaseFailures
{
    /// <summary>A failure that says the database is gone or unreachable, not that a statement was wrong: connection
    /// errors and timeouts (Npgsql's transient ones), and of the server's own errors only lost connections (class 08),
    /// exhausted resources (53) and shutdowns (57P01-57P03). A deadlock or serialization failure is transient too but
    /// proves the database alive, so it does not count; nor does a constraint violation.</summary>
    public static bool IsDatabaseGone(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException server:
                    return server.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || server.SqlState.StartsWith("53", StringComparison.Ordinal)
                        || server.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow;
                case NpgsqlException { IsTransient: true }:
                    return true;
            }
        }
        return false;
    }
}
