using System.Globalization;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using MimeKit.Text;

namespace LedgerX.LocalDapr.Bindings;

/// <summary>
/// Component metadata of <c>bindings.smtp</c> (components-contrib bindings/smtp/smtp.go <c>Metadata</c>), checked as its
/// <c>parseMetadata</c> checks it.
/// </summary>
public sealed record SmtpSettings(
    string Host,
    int Port,
    string User,
    string Password,
    bool SkipTlsVerify,
    string EmailFrom,
    string EmailTo,
    string EmailCc,
    string EmailBcc,
    string Subject,
    int Priority)
{
    public const int DefaultPriority = 3;

    /// <summary>Throws <see cref="BindingException"/> with contrib's message for what its Init refuses.</summary>
    public static SmtpSettings From(IReadOnlyDictionary<string, string> meta)
    {
        string host = meta.GetValueOrDefault("host") ?? "";
        string portText = meta.GetValueOrDefault("port") ?? "";
        int port = 0;
        if (portText.Length > 0 && !int.TryParse(portText, NumberStyles.Integer, CultureInfo.InvariantCulture, out port))
        {
            throw new BindingException($"smtp binding error: port '{portText}' is not an integer");
        }

        if (host.Length == 0 || port == 0)
        {
            throw new BindingException("smtp binding error: host and port fields are required in metadata");
        }

        string user = meta.GetValueOrDefault("user") ?? "";
        string password = meta.GetValueOrDefault("password") ?? "";
        if ((user.Length > 0) != (password.Length > 0))
        {
            throw new BindingException("smtp binding error: both user and password fields are required in metadata");
        }

        return new SmtpSettings(
            host,
            port,
            user,
            password,
            GoText.IsTruthy(meta.GetValueOrDefault("skipTLSVerify")),
            meta.GetValueOrDefault("emailFrom") ?? "",
            meta.GetValueOrDefault("emailTo") ?? "",
            meta.GetValueOrDefault("emailCC") ?? "",
            meta.GetValueOrDefault("emailBCC") ?? "",
            meta.GetValueOrDefault("subject") ?? "",
            ParsePriority(meta.GetValueOrDefault("priority") ?? ""));
    }

    /// <summary>Request metadata overrides the component's, field by field, when non-empty (contrib's
    /// <c>mergeWithRequestMetadata</c>). Unlike contrib, whose merge writes through a pointer into the component's own
    /// metadata so one request's recipients stick to later requests, the component's settings are never changed.</summary>
    public SmtpSettings MergedWith(IReadOnlyDictionary<string, string> request) => this with
    {
        EmailFrom = NonEmpty(request, "emailFrom") ?? EmailFrom,
        EmailTo = NonEmpty(request, "emailTo") ?? EmailTo,
        EmailCc = NonEmpty(request, "emailCC") ?? EmailCc,
        EmailBcc = NonEmpty(request, "emailBCC") ?? EmailBcc,
        Subject = NonEmpty(request, "subject") ?? Subject,
        Priority = NonEmpty(request, "priority") is { } p ? ParsePriority(p) : Priority,
    };

    private static string? NonEmpty(IReadOnlyDictionary<string, string> meta, string key) =>
        meta.TryGetValue(key, out string? value) && value.Length > 0 ? value : null;

    private static int ParsePriority(string text)
    {
        if (text.Length == 0)
        {
            return DefaultPriority;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int priority))
        {
            throw new BindingException($"strconv.Atoi: parsing \"{text}\": invalid syntax");
        }

        return priority is >= 1 and <= 5
            ? priority
            : throw new BindingException("smtp binding error:  priority value must be between 1 (highest) and 5 (lowest)");
    }
}

/// <summary>
/// <c>bindings.smtp</c> as components-contrib bindings/smtp sends mail (through gomail): operation <c>create</c>; the data
/// is the HTML body (Go-unquoted when it is a quoted string, raw otherwise); From, To/Cc/Bcc split on ';', Subject and
/// <c>X-priority</c> headers; implicit TLS on port 465, STARTTLS when the server offers it, authentication only when a
/// user is configured and the server offers AUTH. No other header can be set (contrib has no custom-header metadata), so
/// no Message-ID is added either: gomail sends none.
/// </summary>
public sealed class SmtpBinding : OutputBinding
{
    /// <summary>gomail's dial timeout.</summary>
    private static readonly TimeSpan DialTimeout = TimeSpan.FromSeconds(10);

    private readonly SmtpSettings _settings;

    public SmtpBinding(SmtpSettings settings) => _settings = settings;

    public override IReadOnlyList<string> Operations { get; } = ["create"];

    public override async Task<BindingResponse?> InvokeAsync(string operation, byte[] data, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var m = _settings.MergedWith(metadata);
        if (m.EmailFrom.Length == 0)
        {
            throw new BindingException("smtp binding error: emailFrom property not supplied in configuration- or request-metadata");
        }

        if (m.EmailTo.Length == 0)
        {
            throw new BindingException("smtp binding error: emailTo property not supplied in configuration- or request-metadata");
        }

        if (m.Subject.Length == 0)
        {
            throw new BindingException("smtp binding error: subject property not supplied in configuration- or request-metadata");
        }

        var message = Compose(m, data);
        try
        {
            await SendAsync(m, message, cancellationToken);
        }
        catch (Exception ex) when (ex is not BindingException && !cancellationToken.IsCancellationRequested)
        {
            throw new BindingException($"error from smtp binding, sending email failed: {ex.Message}", ex);
        }

        return null;
    }

    private static MimeMessage Compose(SmtpSettings m, byte[] data)
    {
        var message = new MimeMessage();
        // MimeKit stamps a Message-Id; gomail does not, so neither does this binding.
        message.Headers.Remove(HeaderId.MessageId);
        try
        {
            message.From.Add(InternetAddress.Parse(m.EmailFrom));
            message.To.AddRange(Addresses(m.EmailTo));
            if (m.EmailCc.Length > 0)
            {
                message.Cc.AddRange(Addresses(m.EmailCc));
            }

            if (m.EmailBcc.Length > 0)
            {
                message.Bcc.AddRange(Addresses(m.EmailBcc));
            }
        }
        catch (ParseException ex)
        {
            throw new BindingException($"error from smtp binding, sending email failed: gomail: invalid address: {ex.Message}", ex);
        }

        message.Subject = m.Subject;
        message.Headers.Add("X-priority", m.Priority.ToString(CultureInfo.InvariantCulture));
        string raw = Encoding.UTF8.GetString(data);
        // Over daprd's HTTP API the body arrives as a JSON string (quoted); over gRPC as it was sent.
        // gomail's default transfer encoding.
        message.Body = new TextPart(TextFormat.Html) { Text = GoText.TryUnquote(raw, out string body) ? body : raw, ContentTransferEncoding = ContentEncoding.QuotedPrintable };
        return message;
    }

    private static IEnumerable<InternetAddress> Addresses(string list) =>
        list.Split(';').Select(a => InternetAddress.Parse(a));

    private static async Task SendAsync(SmtpSettings m, MimeMessage message, CancellationToken cancellationToken)
    {
        using var client = new SmtpClient();
        if (m.SkipTlsVerify)
        {
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        }

        using (var dial = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            dial.CancelAfter(DialTimeout);
            // gomail: SSL from the first byte on port 465, otherwise STARTTLS if the server advertises it.
            await client.ConnectAsync(m.Host, m.Port, m.Port == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTlsWhenAvailable, dial.Token);
        }

        if (m.User.Length > 0 && client.Capabilities.HasFlag(SmtpCapabilities.Authentication))
        {
            // Go's net/smtp refuses to send a password over an unencrypted connection to anything but localhost.
            if (!client.IsSecure && m.Host is not ("localhost" or "127.0.0.1" or "::1"))
            {
                throw new BindingException("error from smtp binding, sending email failed: unencrypted connection");
            }

            await client.AuthenticateAsync(m.User, m.Password, cancellationToken);
        }

        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
    }
}
