using MimeKit;

namespace LedgerX.Testing;

/// <summary>One mail the local SMTP server stored: the parsed message and the SMTP envelope it arrived with.</summary>
public sealed record ReceivedMail(string FileName, MimeMessage Message, string EnvelopeFrom, IReadOnlyList<string> EnvelopeRecipients)
{
    public string Subject => Message.Subject ?? "";

    /// <summary>The HTML body (bindings.smtp sends the binding's data as text/html), else the text body.</summary>
    public string Body => Message.HtmlBody ?? Message.TextBody ?? "";

    /// <summary>The mailbox addresses of the From header.</summary>
    public IReadOnlyList<string> From => Message.From.Mailboxes.Select(m => m.Address).ToList();

    /// <summary>True if the SMTP envelope carried <paramref name="address"/>: a To, Cc or Bcc recipient.</summary>
    public bool IsFor(string address) => EnvelopeRecipients.Contains(address, StringComparer.OrdinalIgnoreCase);

    public string? Header(string name) => Message.Headers[name];

    public override string ToString() => $"{FileName}: from {EnvelopeFrom} to {string.Join(", ", EnvelopeRecipients)}: {Subject}";
}

/// <summary>
/// Reads the maildir the local SMTP server writes (tools/devenv/smtp-maildir.py: one file per mail in <c>new/</c>, moved
/// there complete, with the envelope in the <c>X-MailFrom</c>/<c>X-RcptTo</c> headers aiosmtpd adds). Waits poll with a
/// deadline: a mail sent through a sidecar arrives a moment after the call that sent it returns.
/// </summary>
public sealed class Maildir
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    public Maildir(string path) => Path = path;

    public string Path { get; }

    /// <summary>Every mail stored so far, oldest first (by file time).</summary>
    public IReadOnlyList<ReceivedMail> ReadAll()
    {
        var files = new[] { "new", "cur" }
            .Select(sub => System.IO.Path.Combine(Path, sub))
            .Where(Directory.Exists)
            .SelectMany(Directory.EnumerateFiles)
            .Select(f => new FileInfo(f))
            .OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal);
        var mails = new List<ReceivedMail>();
        foreach (var file in files)
        {
            try
            {
                mails.Add(Parse(file.FullName));
            }
            catch (FileNotFoundException)
            {
                // A reader moved it from new/ to cur/ meanwhile: it is read under its new name next time.
            }
        }

        return mails;
    }

    /// <summary>The mails for <paramref name="address"/> (To, Cc or Bcc) stored so far.</summary>
    public IReadOnlyList<ReceivedMail> For(string address) => ReadAll().Where(m => m.IsFor(address)).ToList();

    /// <summary>Waits until a mail matching <paramref name="match"/> is stored, or fails after <paramref name="timeout"/>
    /// listing what did arrive.</summary>
    public async Task<ReceivedMail> WaitForAsync(Func<ReceivedMail, bool> match, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        (await WaitForCountAsync(match, 1, timeout, cancellationToken))[0];

    /// <summary>Waits until a mail for <paramref name="address"/> is stored.</summary>
    public Task<ReceivedMail> WaitForAsync(string address, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitForAsync(m => m.IsFor(address), timeout, cancellationToken);

    /// <summary>Waits until at least <paramref name="count"/> mails match; returns all that match.</summary>
    public async Task<IReadOnlyList<ReceivedMail>> WaitForCountAsync(Func<ReceivedMail, bool> match, int count, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var found = ReadAll().Where(match).ToList();
            if (found.Count >= count)
            {
                return found;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException(
                    $"expected {count} matching mail(s) in {Path} within {timeout}, found {found.Count}. Stored: " +
                    string.Join("; ", ReadAll().TakeLast(20)));
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>
    /// Watches for <paramref name="window"/> and fails as soon as more than <paramref name="expected"/> mails match:
    /// for "nothing sent twice", where the only proof is that nothing more arrives within a bound.
    /// </summary>
    public async Task ExpectNoMoreThanAsync(Func<ReceivedMail, bool> match, int expected, TimeSpan window, CancellationToken cancellationToken = default)
    {
        var end = DateTime.UtcNow + window;
        do
        {
            var found = ReadAll().Where(match).ToList();
            if (found.Count > expected)
            {
                throw new InvalidOperationException($"expected at most {expected} matching mail(s), found {found.Count}: {string.Join("; ", found)}");
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
        while (DateTime.UtcNow < end);
    }

    private static ReceivedMail Parse(string file)
    {
        var message = MimeMessage.Load(file);
        string from = message.Headers["X-MailFrom"] ?? "";
        var recipients = (message.Headers["X-RcptTo"] ?? "")
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return new ReceivedMail(System.IO.Path.GetFileName(file), message, from, recipients);
    }
}
