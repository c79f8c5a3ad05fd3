namespace LedgerX.Cli.Chaos.Faults;

/// <summary>
/// One fault a scenario injects into the running system. <see cref="InjectAsync"/> applies it and, for a fault with a
/// duration (a stall, a stopped sidecar), also lifts it; recovery afterwards is the system's own (supervisor restarts,
/// reconnects, redelivery), which the runner measures.
/// </summary>
internal abstract class ChaosFault
{
    /// <summary>The scenario's name on the command line (<c>--scenario NAME</c>).</summary>
    public abstract string Name { get; }

    /// <summary>What is done, in a sentence, for the report.</summary>
    public abstract string Description { get; }

    /// <summary>The services this fault takes down: the routes that need one of them must fail fast (503) and recover; all
    /// others must stay available (≥ 99.9 %). Empty for faults of shared infrastructure, where availability is reported only.</summary>
    public virtual IReadOnlyList<string> Down => [];

    public abstract Task InjectAsync(ChaosSystem system, CancellationToken ct);
}
