using System.Globalization;
using Npgsql;

namespace LedgerX.Cli.Backup;

/// <summary>
/// A PostgreSQL server directory as tools/devenv/devenv.sh lays it out (<c>pgdata/</c>, <c>postgres.port</c>,
/// <c>postgres.log</c>), with the disaster-recovery defaults beside it: the WAL archive <c>wal-archive/</c> (where
/// <c>LEDGERX_PG_WAL_ARCHIVE</c> points under <c>./ledgerx up</c>) and the base backups <c>backups/</c>. Production keeps
/// both on other storage than the cluster (docs/disaster-recovery.md); the options of backup and restore move them.
/// </summary>
internal sealed record ServerDirectory(string Root)
{
    /// <summary>The directory of <c>./ledgerx up</c>, relative to the checkout (LEDGERX_UP_DIR moves it, as in the ledgerx script).</summary>
    public const string UpDirectoryRelative = ".ledgerx";

    public const string WalArchiveName = "wal-archive";
    public const string BackupsName = "backups";

    /// <summary>The cluster's superuser devenv.sh creates (trust authentication on loopback only).</summary>
    public const string Superuser = "postgres";

    public string PgData => Path.Combine(Root, "pgdata");

    public string DefaultWalArchive => Path.Combine(Root, WalArchiveName);

    public string DefaultBackups => Path.Combine(Root, BackupsName);

    /// <summary>Whether a cluster lives here (initdb or a restore wrote PG_VERSION).</summary>
    public bool HasCluster => File.Exists(Path.Combine(PgData, "PG_VERSION"));

    /// <summary>The port devenv.sh last started the server on; null if it never did.</summary>
    public int? RememberedPort =>
        File.Exists(Path.Combine(Root, "postgres.port")) &&
        int.TryParse(File.ReadAllText(Path.Combine(Root, "postgres.port")).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? port
            : null;

    public static string ConnectionString(int port) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1", Port = port, Username = Superuser, Database = "postgres", Pooling = false, Timeout = 10,
    }.ConnectionString;

    /// <summary><c>./ledgerx up</c>'s directory: LEDGERX_UP_DIR, else .ledgerx in the checkout.</summary>
    public static ServerDirectory Up(string repositoryRoot, Func<string, string?> environment) =>
        new(environment("LEDGERX_UP_DIR") is { Length: > 0 } up ? up : Path.Combine(repositoryRoot, UpDirectoryRelative));
}
