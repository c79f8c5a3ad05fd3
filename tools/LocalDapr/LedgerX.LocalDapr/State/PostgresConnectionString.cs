using System.Text;
using Npgsql;

namespace LedgerX.LocalDapr.State;

/// <summary>
/// daprd's PostgreSQL components take pgx connection strings: <c>key=value</c> pairs separated by spaces or a
/// <c>postgres://</c> URL (components-contrib common/authentication/postgresql, parsed by <c>pgxpool.ParseConfig</c>;
/// components/statestore.yaml). Npgsql wants <c>Key=Value;</c> pairs, so the
/// same component file is translated here; an Npgsql-style string is accepted as is.
/// </summary>
public static class PostgresConnectionString
{
    private static readonly Dictionary<string, string> KeyMap = new(StringComparer.OrdinalIgnoreCase)
    {
        ["host"] = "Host",
        ["hostaddr"] = "Host",
        ["port"] = "Port",
        ["user"] = "Username",
        ["password"] = "Password",
        ["dbname"] = "Database",
        ["database"] = "Database",
        ["sslmode"] = "SSL Mode",
        ["connect_timeout"] = "Timeout",
        ["application_name"] = "Application Name",
        ["pool_max_conns"] = "Maximum Pool Size",
        ["pool_min_conns"] = "Minimum Pool Size",
        ["search_path"] = "Search Path",
    };

    /// <summary>The Npgsql connection string of a component's connection pool, bounded as daprd's is. daprd's PostgreSQL
    /// components open a pgx pool (components-contrib common/authentication/postgresql <c>GetPgxPoolConfig</c>): its size is
    /// the component's <c>maxConns</c> metadata when that is above 1, otherwise the connection string's
    /// <c>pool_max_conns</c>, otherwise pgxpool's default, the greater of 4 and the number of CPUs. Npgsql's own default
    /// (100) let a burst of sagas open a connection each (issue 19).</summary>
    public static string ToNpgsqlPool(string connectionString, string? maxConns)
    {
        var builder = new NpgsqlConnectionStringBuilder(ToNpgsql(connectionString));
        if (!string.IsNullOrWhiteSpace(maxConns))
        {
            if (!int.TryParse(maxConns.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int max))
            {
                throw new FormatException($"maxConns must be a whole number, not '{maxConns}'");
            }

            if (max > 1)
            {
                builder.MaxPoolSize = max;
                return builder.ConnectionString;
            }
        }

        if (!SetsPoolSize(connectionString))
        {
            builder.MaxPoolSize = Math.Max(4, Environment.ProcessorCount);
        }

        return builder.ConnectionString;
    }

    /// <summary>Whether a pgx connection string (key=value or URL) names its pool size. An Npgsql-style string's
    /// <c>Maximum Pool Size</c> is not a daprd setting (the test and launcher servers' strings carry Npgsql's 100), so it
    /// does not count: such a component is sized by <c>maxConns</c>, as in daprd.</summary>
    private static bool SetsPoolSize(string connectionString)
    {
        string text = connectionString.Trim();
        bool pgx = text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            || !(text.Contains(';', StringComparison.Ordinal) || !text.Contains(' ', StringComparison.Ordinal));
        return pgx && text.Contains("pool_max_conns", StringComparison.OrdinalIgnoreCase);
    }

    public static string ToNpgsql(string connectionString)
    {
        string text = connectionString.Trim();
        if (text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return FromUrl(new Uri(text));
        }

        if (text.Contains(';', StringComparison.Ordinal) || !text.Contains(' ', StringComparison.Ordinal))
        {
            return new NpgsqlConnectionStringBuilder(text).ConnectionString;
        }

        var builder = new NpgsqlConnectionStringBuilder();
        foreach (var (key, value) in ParseKeyValues(text))
        {
            Set(builder, key, value);
        }

        return builder.ConnectionString;
    }

    private static string FromUrl(Uri url)
    {
        var builder = new NpgsqlConnectionStringBuilder { Host = url.Host };
        if (url.Port > 0)
        {
            builder.Port = url.Port;
        }

        string[] userInfo = url.UserInfo.Split(':', 2);
        if (userInfo[0].Length > 0)
        {
            builder.Username = Uri.UnescapeDataString(userInfo[0]);
        }

        if (userInfo.Length > 1)
        {
            builder.Password = Uri.UnescapeDataString(userInfo[1]);
        }

        string database = url.AbsolutePath.Trim('/');
        if (database.Length > 0)
        {
            builder.Database = Uri.UnescapeDataString(database);
        }

        foreach (string pair in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = pair.Split('=', 2);
            Set(builder, Uri.UnescapeDataString(kv[0]), kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : "");
        }

        return builder.ConnectionString;
    }

    private static void Set(NpgsqlConnectionStringBuilder builder, string key, string value)
    {
        if (!KeyMap.TryGetValue(key, out string? npgsqlKey))
        {
            throw new FormatException($"unsupported PostgreSQL connection parameter '{key}'");
        }

        builder[npgsqlKey] = npgsqlKey == "SSL Mode" ? SslMode(value) : value;
    }

    private static string SslMode(string pgx) => pgx switch
    {
        "disable" => "Disable",
        "allow" => "Allow",
        "prefer" => "Prefer",
        "require" => "Require",
        "verify-ca" => "VerifyCA",
        "verify-full" => "VerifyFull",
        _ => throw new FormatException($"unsupported sslmode '{pgx}'"),
    };

    /// <summary>libpq conninfo: <c>key=value</c> separated by whitespace, values optionally single-quoted with backslash escapes.</summary>
    private static IEnumerable<(string Key, string Value)> ParseKeyValues(string text)
    {
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i >= text.Length)
            {
                yield break;
            }

            int eq = text.IndexOf('=', i);
            if (eq < 0)
            {
                throw new FormatException($"expected key=value in connection string near '{text[i..]}'");
            }

            string key = text[i..eq].Trim();
            i = eq + 1;
            var value = new StringBuilder();
            if (i < text.Length && text[i] == '\'')
            {
                i++;
                while (i < text.Length && text[i] != '\'')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    value.Append(text[i++]);
                }

                i++;
            }
            else
            {
                while (i < text.Length && !char.IsWhiteSpace(text[i]))
                {
                    value.Append(text[i++]);
                }
            }

            yield return (key, value.ToString());
        }
    }
}
