using System.Net.Sockets;
using System.Text;

namespace LedgerX.Gateway.IntegrationTests.Infrastructure;

/// <summary>A request written byte by byte, for what HttpClient will not send: dot segments, absolute-form targets,
/// odd Host headers. Returns the status code and the raw response.</summary>
public static class RawHttp
{
    public static async Task<(int Status, string Response)> SendAsync(int port, string requestTarget, string method = "GET",
        IEnumerable<string>? headers = null, string host = "127.0.0.1", int chunkedBodyBytes = 0)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        await using var stream = client.GetStream();
        var text = new StringBuilder()
            .Append(method).Append(' ').Append(requestTarget).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(host).Append("\r\n")
            .Append("Connection: close\r\n");
        foreach (var header in headers ?? [])
        {
            text.Append(header).Append("\r\n");
        }
        if (chunkedBodyBytes > 0)
        {
            // No Content-Length: the server learns the size only while reading.
            text.Append("Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                .Append(chunkedBodyBytes.ToString("x", System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n")
                .Append('"', chunkedBodyBytes).Append("\r\n0\r\n\r\n");
        }
        else
        {
            text.Append("Content-Length: 0\r\n\r\n");
        }
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(text.ToString()));
        }
        catch (IOException)
        {
            // The server may answer and close before it has read all of a body it refuses; its answer is still there.
        }
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var response = await reader.ReadToEndAsync(timeout.Token);
        var status = int.Parse(response.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, response);
    }
}
