using System.Globalization;
using System.Text.RegularExpressions;

namespace LedgerX.LocalDapr.Launcher;

/// <summary>
/// A run file moved beside others: every fixed port of <c>dapr.yaml</c> (app, sidecar HTTP/gRPC, metrics) replaced by a
/// free one, in the ports themselves and in every <c>host:port</c> of a loopback address the apps' settings name
/// (ASPNETCORE_URLS, Auth__Issuer, ...), and each app run from its Release build instead of <c>dotnet run</c> (which
/// spends minutes on up-to-date checks). The end-to-end tests and <c>./ledgerx chaos</c> both run the system this way,
/// so the system they run is the one <c>./ledgerx up</c> runs, on other ports.
/// </summary>
public sealed partial class RunFileRelocation
{
    private const string Configuration = "Release";
    private const string TargetFramework = "net10.0";

    private readonly Dictionary<int, int> _ports = [];

    /// <summary>Picks a free port for every fixed port of <paramref name="runFile"/>.</summary>
    public RunFileRelocation(RunFile runFile)
    {
        foreach (var app in runFile.Apps)
        {
            foreach (int? port in new[] { app.AppPort, app.DaprHttpPort, app.DaprGrpcPort, app.MetricsPort })
            {
                if (port is { } fixedPort)
                {
                    _ports[fixedPort] = MultiAppRunner.FreePort();
                }
            }
        }
    }

    /// <summary>Fixed port → this run's port.</summary>
    public IReadOnlyDictionary<int, int> Ports => _ports;

    /// <summary>The app on this run's ports and its Release build; its env's loopback addresses remapped.</summary>
    public RunFileApp Relocate(RunFileApp app) => app with
    {
        AppPort = Remap(app.AppPort),
        DaprHttpPort = Remap(app.DaprHttpPort),
        DaprGrpcPort = Remap(app.DaprGrpcPort),
        MetricsPort = Remap(app.MetricsPort),
        Command = ["dotnet", BuiltDll(app)],
        Env = app.Env.ToDictionary(kv => kv.Key, kv => RemapPorts(kv.Value), StringComparer.Ordinal),
    };

    /// <summary>Replaces every <c>host:port</c> of a fixed port in a setting.</summary>
    public string RemapPorts(string value) => RemapPorts(value, _ports);

    /// <summary>Replaces every <c>host:port</c> of a fixed port in a setting (ASPNETCORE_URLS, Auth__Issuer, ...).</summary>
    public static string RemapPorts(string value, IReadOnlyDictionary<int, int> ports) =>
        LoopbackPort().Replace(value, m =>
            int.TryParse(m.Groups["port"].Value, CultureInfo.InvariantCulture, out int port) && ports.TryGetValue(port, out int free)
                ? $"{m.Groups["host"].Value}:{free.ToString(CultureInfo.InvariantCulture)}"
                : m.Value);

    private int? Remap(int? port) => port is { } p ? _ports[p] : null;

    /// <summary>The app's own build output: <c>appDirPath/bin/Release/net10.0/&lt;project&gt;.dll</c>.</summary>
    public static string BuiltDll(RunFileApp app)
    {
        string project = Path.GetFileName(app.AppDirPath.TrimEnd(Path.DirectorySeparatorChar));
        string dll = Path.Combine(app.AppDirPath, "bin", Configuration, TargetFramework, project + ".dll");
        return File.Exists(dll)
            ? dll
            : throw new InvalidOperationException(
                $"{app.AppId}: {dll} is missing. Build it first (./ledgerx test builds everything; or dotnet build -c {Configuration} {app.AppDirPath}).");
    }

    [GeneratedRegex(@"(?<host>127\.0\.0\.1|localhost|\[::1\]):(?<port>\d{2,5})\b")]
    private static partial Regex LoopbackPort();
}
