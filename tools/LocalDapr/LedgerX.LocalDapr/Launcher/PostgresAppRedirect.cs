using System.Net;
using LedgerX.LocalDapr.State;
using Npgsql;

namespace LedgerX.LocalDapr.Launcher;

/// <summary>A PostgreSQL server address as a connection string names it (no database, no credentials).</summary>
public sealed record PostgresEndpoint(string Host, int Port)
{
    public const int DefaultPort = 5432;

    /// <summary>The endpoint of a connection string in any form the components accept (pgx, URL, Npgsql), or null.</summary>
    public static PostgresEndpoint? Parse(string connectionString)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(PostgresConnectionString.ToNpgsql(connectionString));
            return new PostgresEndpoint(builder.Host ?? "localhost", builder.Port);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or UriFormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// Same server: same port, and the same host ignoring case, with <c>localhost</c>, <c>127.0.0.1</c> and <c>::1</c>
    /// counted as one host (the run file says <c>localhost</c>, devenv.sh says <c>127.0.0.1</c>).
    /// </summary>
    public bool Names(string host, int port) =>
        port == Port && string.Equals(Normalize(host), Normalize(Host), StringComparison.OrdinalIgnoreCase);

    public override string ToString() => $"{Host}:{Port}";

    private static string Normalize(string host)
    {
        string h = host.Trim().Trim('[', ']');
        return h.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(h, out var ip) && IPAddress.IsLoopback(ip))
            ? "loopback"
            : h;
    }
}

/// <summary>One app variable or secret the launcher repointed; <see cref="Describe"/> names no password so it can be logged.</summary>
public sealed record ConnectionStringRewrite(string Variable, PostgresEndpoint From, PostgresEndpoint To, string? Database, string Value)
{
    public string Describe(string appId) =>
        $"{appId}: {Variable} repointed from {From} to {To} (the launcher's PostgreSQL; Database={Database ?? "(none)"} and its other settings kept)";
}

/// <summary>
/// Gives apps the PostgreSQL the launcher gave their components. When <c>LEDGERX_POSTGRES</c> replaces the server
/// the components name (e.g. <c>localhost:5432</c>, taken by another PostgreSQL), an app's own connection strings
/// that name that same server in <c>dapr.yaml</c> would otherwise still reach the other one, or nothing.
/// <para>
/// Rewritten: a variable of the app's run-file <c>env</c> named <c>ConnectionStrings__*</c> (the .NET configuration
/// key for connection strings; any case, or <c>ConnectionStrings:*</c>) whose value is an Npgsql connection string with an explicit <c>Host</c> and whose
/// host and port are a server the components named (the one the override replaces). Only the server is changed:
/// host, port, username and password become the override's (the same credentials the components now use);
/// <c>Database</c> and every other setting stay the app's. Everything else is left alone: a string naming another
/// server (deliberately chosen), a value that is not an Npgsql connection string (Redis, URLs, SQL Server with
/// unknown keywords), variables that are not connection strings, and a string that already names the override's
/// server (when the preferred port was free, nothing changes). The run file itself is never rewritten.
/// </para>
/// <para>
/// Apps read their connection strings from the secret store at start-up (ADR 0025), so the same rule applies to the
/// values of a local file secret store (<see cref="RewriteSecret"/>, <see cref="SecretsFileRedirect"/>): the launcher
/// points the store at a rewritten copy of its file through a metadata override, and the original is never rewritten.
/// </para>
/// </summary>
public sealed class PostgresAppRedirect
{
    // .NET configuration reads both separators and ignores case, so `connectionstrings__Ledger` is a connection string too.
    private static readonly string[] ConnectionStringsPrefixes = ["ConnectionStrings__", "ConnectionStrings:"];

    private readonly NpgsqlConnectionStringBuilder _server;

    private PostgresAppRedirect(NpgsqlConnectionStringBuilder server, IReadOnlyList<PostgresEndpoint> replaced)
    {
        _server = server;
        Replaced = replaced;
        Target = new PostgresEndpoint(server.Host ?? "localhost", server.Port);
    }

    /// <summary>The servers the override replaces (named by the components).</summary>
    public IReadOnlyList<PostgresEndpoint> Replaced { get; }

    /// <summary>The override's server.</summary>
    public PostgresEndpoint Target { get; }

    /// <summary>Null when the override is not a connection string (the components will report it) or nothing is replaced.</summary>
    public static PostgresAppRedirect? Create(string overrideConnectionString, IEnumerable<PostgresEndpoint> replaced)
    {
        var endpoints = replaced.Distinct().ToList();
        if (endpoints.Count == 0)
        {
            return null;
        }

        try
        {
            return new PostgresAppRedirect(new NpgsqlConnectionStringBuilder(PostgresConnectionString.ToNpgsql(overrideConnectionString)), endpoints);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or UriFormatException)
        {
            return null;
        }
    }

    /// <summary>The rewritten value of one variable, or null when the rule leaves it alone (or it already names the override's server).</summary>
    public ConnectionStringRewrite? Rewrite(string variable, string value) =>
        ConnectionStringsPrefixes.Any(p => variable.StartsWith(p, StringComparison.OrdinalIgnoreCase)) ? RewriteValue(variable, value) : null;

    /// <summary>
    /// The rewritten value of one secret of a local file secret store, by the same rule as a variable's but whatever the
    /// secret's name: apps read their connection strings from the store at start-up (ADR 0025), so a value that is an
    /// Npgsql connection string naming a replaced server is one of them.
    /// </summary>
    public ConnectionStringRewrite? RewriteSecret(string secretName, string value) => RewriteValue(secretName, value);

    private ConnectionStringRewrite? RewriteValue(string name, string value)
    {
        NpgsqlConnectionStringBuilder app;
        try
        {
            app = new NpgsqlConnectionStringBuilder(value);
        }
        // An unknown keyword is a KeyNotFoundException (a secret such as a base64 key ending in "=" parses as one).
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidCastException or KeyNotFoundException)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(app.Host) || !Replaced.Any(e => e.Names(app.Host, app.Port)))
        {
            return null;
        }

        if (Target.Names(app.Host, app.Port))
        {
            // The override is the very server the app names (5432 was free): its own credentials were chosen for it.
            return null;
        }

        var from = new PostgresEndpoint(app.Host, app.Port);
        app.Host = _server.Host;
        app.Port = _server.Port;
        app.Username = _server.Username;
        app.Password = _server.Password;
        return new ConnectionStringRewrite(name, from, Target, app.Database, app.ConnectionString);
    }

    /// <summary>Every rewrite the rule makes in an app's environment, in the environment's order.</summary>
    public IReadOnlyList<ConnectionStringRewrite> RewriteAll(IEnumerable<KeyValuePair<string, string>> environment) =>
        environment.Select(kv => Rewrite(kv.Key, kv.Value)).OfType<ConnectionStringRewrite>().ToList();
}
