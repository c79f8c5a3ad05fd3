using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace LedgerX.LocalDapr.Invocation;

/// <summary>
/// Where another app's sidecar listens. <see cref="HopToken"/> is that sidecar's random per-start secret: a caller
/// sidecar presents it on the second hop of an invocation, so only sidecars (which read it from the directory)
/// can claim a caller app id; an app calling its own sidecar cannot.
/// </summary>
public sealed record SidecarAddress(string AppId, string Host, int HttpPort, int GrpcPort, int ProcessId, string? HopToken = null, Hosting.AppProtocol AppProtocol = Hosting.AppProtocol.Http);

/// <summary>
/// Name resolution for service invocation, standing in for daprd's mDNS: sidecars in this process register in
/// memory; sidecars in other processes are found through <c>{appId}.json</c> files in a shared directory
/// (the launcher's and <c>localdapr sidecar</c>'s <c>--registry-dir</c>). Files of dead processes are ignored.
/// </summary>
public static class SidecarDirectory
{
    /// <summary>Keyed by registry directory as well as app id: two systems started in one process (the chaos test and
    /// the disaster-recovery test run side by side) each have their own directory, and each must reach its own
    /// auth-service, as two clusters would. Without the directory in the key the later one's sidecars answered for
    /// both, and one system's tokens came from the other's auth-service.</summary>
    private static readonly ConcurrentDictionary<(string Scope, string AppId), SidecarAddress> InProcess = new();

    private static string Scope(string? directory) => directory is null ? "" : Path.GetFullPath(directory);

    public static void Register(SidecarAddress address, string? directory)
    {
        InProcess[(Scope(directory), address.AppId)] = address;
        if (directory is null)
        {
            return;
        }

        Directory.CreateDirectory(directory);
        string file = FileFor(directory, address.AppId);
        string temp = file + "." + Environment.ProcessId + ".tmp";
        // Owner-only: the file holds the sidecar's hop token (same trust boundary as the user's other files).
        var create = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, create))
        {
            JsonSerializer.Serialize(stream, address);
        }

        File.Move(temp, file, overwrite: true);
    }

    public static void Unregister(SidecarAddress address, string? directory)
    {
        InProcess.TryRemove(new KeyValuePair<(string, string), SidecarAddress>((Scope(directory), address.AppId), address));
        if (directory is null)
        {
            return;
        }

        string file = FileFor(directory, address.AppId);
        if (Read(file) is { } current && current == address)
        {
            File.Delete(file);
        }
    }

    public static SidecarAddress? Resolve(string appId, string? directory)
    {
        // Its own system's first; then a sidecar started without a directory (in-process only, reachable by all in
        // this process, as before); a caller without a directory still finds any in this process.
        if (InProcess.TryGetValue((Scope(directory), appId), out var local)
            || (directory is not null && InProcess.TryGetValue(("", appId), out local)))
        {
            return local;
        }

        if (directory is null && InProcess.FirstOrDefault(e => e.Key.AppId == appId).Value is { } any)
        {
            return any;
        }

        return directory is null ? null : Read(FileFor(directory, appId)) is { } found && IsAlive(found.ProcessId) ? found : null;
    }

    private static string FileFor(string directory, string appId)
    {
        if (appId.Length == 0 || appId.Length > 200 || appId.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || appId.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{appId}' is not a valid app id", nameof(appId));
        }

        return Path.Combine(directory, appId + ".json");
    }

    private static SidecarAddress? Read(string file)
    {
        try
        {
            return File.Exists(file) ? JsonSerializer.Deserialize<SidecarAddress>(File.ReadAllText(file)) : null;
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return null;
        }
    }

    private static bool IsAlive(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
