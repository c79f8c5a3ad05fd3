using System.Data.Common;
using System.Globalization;
using LedgerX.ServiceDefaults.Data;
using Npgsql;

namespace LedgerX.Transactions.Api.Ledger;

/// <summary>
/// The ledger's connection settings that keep one stuck replica from stopping the others: client-side timeouts and
/// keepalives and automatic preparation (Npgsql keywords), and server-side TCP keepalives sent as startup options. Each applies only where the
/// connection string does not say otherwise, so an operator's explicit value always wins. The lock, statement and
/// idle-in-transaction timeouts are set by the writer on its own transactions (<see cref="LedgerStore.LoadAsync"/>), so
/// long reads such as <c>verify</c> are not cut short by them.
/// </summary>
public static class LedgerDatabase
{
    public static string WithTimeouts(string connectionString, LedgerDatabaseOptions options)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!PostgresConnectionString.Sets(given, "Command Timeout"))
        {
            builder.CommandTimeout = options.CommandTimeoutSeconds;
        }
        if (!PostgresConnectionString.Sets(given, "Keepalive"))
        {
            builder.KeepAlive = options.KeepAliveSeconds;
        }
        if (!PostgresConnectionString.Sets(given, "Max Auto Prepare"))
        {
            builder.MaxAutoPrepare = options.MaxAutoPrepare;
        }
        // PostgreSQL applies startup options in order, so the string's own Options, placed after ours, override them.
        var server = string.Create(CultureInfo.InvariantCulture,
            $"-c tcp_keepalives_idle={options.TcpKeepAliveIdleSeconds} -c tcp_keepalives_interval={options.TcpKeepAliveIntervalSeconds} " +
            $"-c tcp_keepalives_count={options.TcpKeepAliveCount} -c tcp_user_timeout={options.TcpUserTimeoutMs}");
        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? server : $"{server} {builder.Options}";
        return builder.ConnectionString;
    }
}
