using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace LedgerX.ServiceDefaults.Data;

/// <summary>
/// A service's connection string with the bounds of <see cref="DatabaseOptions"/> applied where it does not say
/// otherwise (an operator's explicit value always wins), so no database call waits for Npgsql's 15 s / 30 s defaults.
/// </summary>
public static class PostgresConnectionString
{
    /// <summary>The connection string <paramref name="name"/> (<c>ConnectionStrings:{name}</c>), bounded by the
    /// validated "Database" options. Throws, naming the setting, when it is missing.</summary>
    public static string GetBoundedConnectionString(this IConfiguration configuration, string name)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var connectionString = configuration.GetConnectionString(name)
            ?? throw new InvalidOperationException($"Connection string '{name}' is not configured (ConnectionStrings__{name}).");
        // Bound now, since the string is built now: validated as strictly as ValidateOnStart would.
        var options = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        return Bounded(connectionString, options);
    }

    public static string Bounded(string connectionString, DatabaseOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(options);
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Sets(given, "Timeout"))
        {
            builder.Timeout = options.ConnectTimeoutSeconds;
        }
        if (!Sets(given, "Command Timeout"))
        {
            builder.CommandTimeout = options.CommandTimeoutSeconds;
        }
        if (!Sets(given, "Cancellation Timeout"))
        {
            builder.CancellationTimeout = options.CancellationTimeoutMs;
        }
        if (!Sets(given, "Keepalive"))
        {
            builder.KeepAlive = options.KeepAliveSeconds;
        }
        return builder.ConnectionString;
    }

    /// <summary>Whether the string names the keyword, in any of the spellings Npgsql accepts (case and spaces vary): an
    /// operator's explicit value, which a default must not replace (also transaction-service's <c>LedgerDatabase</c>).</summary>
    public static bool Sets(DbConnectionStringBuilder given, string keyword)
    {
        ArgumentNullException.ThrowIfNull(given);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyword);
        var wanted = keyword.Replace(" ", "", StringComparison.Ordinal);
        foreach (string key in given.Keys)
        {
            if (string.Equals(key.Replace(" ", "", StringComparison.Ordinal), wanted, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
