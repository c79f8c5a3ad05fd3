using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LedgerX.LocalDapr.Tests.Infrastructure;

/// <summary>One session the <see cref="AuthSmtpServer"/> accepted.</summary>
public sealed record SmtpSession(string? AuthUser, string? AuthPassword, string MailFrom, IReadOnlyList<string> Recipients, string Data);

/// <summary>
/// A minimal SMTP server on 127.0.0.1:0 that advertises AUTH PLAIN (which the local aiosmtpd does not), so a test can
/// see the credentials a binding presents. Plain text, loopback only: what Go's net/smtp allows a password over.
/// </summary>
public sealed class AuthSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<SmtpSession> _sessions = new();
    private readonly Task _accepting;

    public AuthSmtpServer()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public IReadOnlyList<SmtpSession> Sessions => [.. _sessions];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        string? user = null, password = null, from = "";
        var recipients = new List<string>();
        await writer.WriteLineAsync("220 auth-smtp ready");
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            string verb = line.Split(' ')[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    await writer.WriteLineAsync("250-auth-smtp");
                    await writer.WriteLineAsync("250 AUTH PLAIN");
                    break;
                case "AUTH":
                    // AUTH PLAIN base64("\0user\0password"), inline or after a 334 challenge.
                    string[] parts = line.Split(' ');
                    string encoded = parts.Length > 2 ? parts[2] : await Challenge(writer, reader, timeout.Token);
                    string[] plain = Encoding.UTF8.GetString(Convert.FromBase64String(encoded)).Split('\0');
                    (user, password) = (plain[1], plain[2]);
                    await writer.WriteLineAsync("235 2.7.0 Authentication successful");
                    break;
                case "MAIL":
                    from = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim().Trim('<', '>');
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "RCPT":
                    recipients.Add(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim().Trim('<', '>'));
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "DATA":
                    await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                    var data = new StringBuilder();
                    while (await reader.ReadLineAsync(timeout.Token) is { } dataLine && dataLine != ".")
                    {
                        data.Append(dataLine).Append("\r\n");
                    }

                    _sessions.Enqueue(new SmtpSession(user, password, from, [.. recipients], data.ToString()));
                    await writer.WriteLineAsync("250 OK queued");
                    break;
                case "QUIT":
                    await writer.WriteLineAsync("221 Bye");
                    return;
                default:
                    await writer.WriteLineAsync("250 OK");
                    break;
            }
        }
    }

    private static async Task<string> Challenge(StreamWriter writer, StreamReader reader, CancellationToken cancellationToken)
    {
        await writer.WriteLineAsync("334 ");
        return await reader.ReadLineAsync(cancellationToken) ?? "";
    }
}
