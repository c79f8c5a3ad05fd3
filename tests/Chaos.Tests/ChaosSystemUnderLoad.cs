using LedgerX.Cli.Chaos;
using LedgerX.Cli.Chaos.Load;
using LedgerX.Testing;
using Xunit;

namespace LedgerX.Chaos.Tests;

/// <summary>
/// The whole system of <c>./ledgerx chaos</c> (its own PostgreSQL and Redis, every app with its sidecar), started once
/// for the collection (<see cref="OneSystemAtATime"/>), under a small load through the gateway. Its PostgreSQL archives
/// WAL, so that the disaster-recovery test, which runs last, can take a base backup and restore from it.
/// </summary>
public sealed class ChaosSystemUnderLoad : IAsyncLifetime
{
    /// <summary>Small: enough to keep every route busy on a loaded 2-core machine, not enough to measure anything.</summary>
    internal static readonly ChaosLoadSettings Load = new(Accounts: 4, TransferWorkers: 2, ReadsPerSecond: 10);

    /// <summary>Generous deadlines (never timings asserted): a loaded machine may take minutes to restart a service.</summary>
    internal static readonly ChaosTimings Timings = new(TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(90));

    private readonly StringWriter _progress = new();
    private ChaosSystem? _system;
    private ChaosLoad? _load;

    internal ChaosSystem System => _system!;

    internal ChaosRunner Runner => new(_system!, _load!, Timings, TextWriter.Synchronized(_progress));

    internal ChaosLoad Traffic => _load!;

    public string Progress => _progress.ToString();

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        _system = await ChaosSystem.StartAsync(RepositoryRoot.Directory.FullName, TextWriter.Synchronized(_progress), ct, archiveWal: true);
        _load = await PrepareLoadAsync(_system, Load, ct);
    }

    /// <summary>A load's caller and funded accounts. Its set-up requests time out after 10 s, which a machine at load
    /// average 100 exceeded once right after the system started (services still warming up): a few attempts.</summary>
    internal static async Task<ChaosLoad> PrepareLoadAsync(ChaosSystem system, ChaosLoadSettings settings, CancellationToken ct)
    {
        const int attempts = 3;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await ChaosLoad.PrepareAsync(await system.MachineClientAsync(ChaosLoad.RequestTimeout, ct), settings, ct);
            }
            catch (Exception ex) when (attempt < attempts && !ct.IsCancellationRequested && ex is HttpRequestException or TaskCanceledException or InvalidOperationException)
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"load set-up attempt {attempt} failed: {ex.Message}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_load is not null)
        {
            await _load.DisposeAsync();
        }

        if (_system is not null)
        {
            await _system.DisposeAsync();
        }
    }
}
