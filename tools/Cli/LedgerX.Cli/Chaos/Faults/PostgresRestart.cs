namespace LedgerX.Cli.Chaos.Faults;

/// <summary><c>pg_ctl stop -m immediate</c>, then start: every connection is cut mid-transaction and the server runs crash
/// recovery, as after a PostgreSQL crash or failover. Every service's pool holds only broken connections afterwards.</summary>
internal sealed class PostgresRestart : ChaosFault
{
    public override string Name => "postgres-restart";

    public override string Description => "PostgreSQL stopped with -m immediate (crash recovery), then started";

    public override Task InjectAsync(ChaosSystem system, CancellationToken ct) => system.Servers.RestartPostgresImmediateAsync(ct);
}
