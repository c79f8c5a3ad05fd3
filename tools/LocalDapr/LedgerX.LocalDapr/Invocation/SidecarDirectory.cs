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
    private static readonly ConcurrentDictionary<string, SidecarAddress> InProcess = new(StringComparer.Ordinal);

    public static void Register(SidecarAddress address, string? directory)
    {
        InProcess[address.AppId] = address;
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
        InProcess.TryRemove(new KeyValuePair<string, SidecarAddress>(address.AppId, address));
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
        if (InProcess.TryGetValue(appId, out var local))
        {
            return local;
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
