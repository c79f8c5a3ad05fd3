using System.Net.Sockets;
using System.Text;

namespace LedgerX.EndToEnd.Tests.Infrastructure;

/// <summary>
/// HTTP/1.1 written by hand, for requests HttpClient will not send: an absolute-URI request target naming another
/// host, a Host header that disagrees with the connection, raw dot segments in the path.
/// </summary>
public static class RawHttp
{
    /// <summary>Sends <paramref name="head"/> (request line and headers, without the blank line) and reads the whole answer.</summary>
    public static async Task<(int Status, string Text)> SendAsync(Uri server, string head)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        await using var stream = client.GetStream();
        byte[] request = Encoding.ASCII.GetBytes(head.TrimEnd('\r', '\n').ReplaceLineEndings("\r\n") + "\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(request);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        string text = await reader.ReadToEndAsync(timeout.Token);
        string[] statusLine = text.Split("\r\n", 2)[0].Split(' ');
        return (statusLine.Length > 1 && int.TryParse(statusLine[1], out int status) ? status : 0, text);
    }
}

/// <summary>A TCP listener that counts connections: the "internal host" an SSRF would reach.</summary>
public sealed class Honeypot : IDisposable
{
    private readonly TcpListener _listener = new(System.Net.IPAddress.Loopback, 0);
    private int _connections;

    public Honeypot()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((System.Net.IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                using var socket = await _listener.AcceptSocketAsync();
                Interlocked.Increment(ref _connections);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    public void Dispose() => _listener.Stop();
}
