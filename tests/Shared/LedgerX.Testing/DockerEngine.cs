using System.Net.Sockets;
using System.Text;

namespace LedgerX.Testing;

/// <summary>
/// Answers "would Testcontainers work here?" quickly. Most of our machines have the Docker client but no engine,
/// and Testcontainers would otherwise spend a long time retrying before failing with an unrelated message.
/// </summary>
internal static class DockerEngine
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>True when the engine named by DOCKER_HOST (or the default socket) answers <c>GET /_ping</c>.</summary>
    public static async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        if (EndPoint() is not { } endPoint)
        {
            return false;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var socket = endPoint is UnixDomainSocketEndPoint
                ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                : new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(endPoint, timeout.Token).ConfigureAwait(false);
            await socket.SendAsync("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"u8.ToArray(), timeout.Token)
                .ConfigureAwait(false);
            var buffer = new byte[64];
            var read = await socket.ReceiveAsync(buffer, timeout.Token).ConfigureAwait(false);
            var status = Encoding.ASCII.GetString(buffer, 0, read);
            return status.StartsWith("HTTP/1.", StringComparison.Ordinal) && status.Contains(" 200", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
        {
            return false;
        }
    }

    private static System.Net.EndPoint? EndPoint()
    {
        var dockerHost = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (string.IsNullOrWhiteSpace(dockerHost))
        {
            return File.Exists("/var/run/docker.sock") ? new UnixDomainSocketEndPoint("/var/run/docker.sock") : null;
        }

        if (!Uri.TryCreate(dockerHost, UriKind.Absolute, out var uri))
        {
            return null;
        }

        return uri.Scheme switch
        {
            "unix" => new UnixDomainSocketEndPoint(uri.AbsolutePath),
            "tcp" or "http" => new System.Net.DnsEndPoint(uri.Host, uri.Port > 0 ? uri.Port : 2375),
            _ => null, // ssh:// and npipe:// are not probed; such setups set LEDGERX_TEST_POSTGRES instead.
        };
    }
}
