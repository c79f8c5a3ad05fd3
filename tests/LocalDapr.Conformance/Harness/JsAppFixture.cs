namespace LedgerX.LocalDapr.Conformance.Tests.Harness;

/// <summary>
/// One running JavaScript app for a test class (xunit class fixture): a block adds <c>js/apps/&lt;block&gt;</c> and
/// one fixture per backend deriving from this, then its test class takes the fixture. Apps are shared by the tests
/// of a class, so tests use their own instance ids / keys.
/// </summary>
public abstract class JsAppFixture : IAsyncLifetime
{
    private JsAppRun? _run;

    /// <summary>The folder under <c>js/apps</c>.</summary>
    protected abstract string Block { get; }

    public abstract ConformanceBackend Backend { get; }

    /// <summary>Extra variables for the launcher process (local-sidecar knobs a block needs, e.g. shorter leases).</summary>
    protected virtual IReadOnlyDictionary<string, string>? LauncherEnvironment => null;

    /// <summary><c>appProtocol</c> in the run file: <c>http</c>, or <c>grpc</c> for an app serving Dapr's AppCallback.</summary>
    protected virtual string AppProtocol => "http";

    public JsAppRun App => _run ?? throw new InvalidOperationException("the app is not running");

    public async ValueTask InitializeAsync() =>
        _run = await JsAppRun.StartAsync(Block, Backend, LauncherEnvironment, TestContext.Current.CancellationToken, AppProtocol);

    public async ValueTask DisposeAsync()
    {
        if (_run is not null)
        {
            await _run.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
