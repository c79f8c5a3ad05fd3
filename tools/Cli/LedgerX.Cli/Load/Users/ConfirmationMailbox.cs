using System.Text.RegularExpressions;
using MimeKit;

namespace LedgerX.Cli.Load.Users;

/// <summary>
/// Where a new load customer reads the confirmation code, as a person would: the maildir `./ledgerx up` delivers
/// notification-service's mail to (`.ledgerx/mail/new`, one file per mail). Polls until the mail for the address
/// arrives or the deadline passes.
/// </summary>
internal sealed partial class ConfirmationMailbox(string maildir, TimeProvider clock)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    public string Path => maildir;

    public async Task<string> CodeForAsync(string email, TimeSpan patience, CancellationToken ct)
    {
        var deadline = clock.GetUtcNow() + patience;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            foreach (var directory in Directories().Where(Directory.Exists))
            {
                foreach (var file in Directory.EnumerateFiles(directory).Where(seen.Add))
                {
                    if (await TryReadAsync(file, email, ct) is { } code)
                    {
                        return code;
                    }
                }
            }
            if (clock.GetUtcNow() > deadline)
            {
                throw new LoadSetupException($"no confirmation mail for {email} in {maildir} within {patience.TotalSeconds:0} s " +
                                             "(is notification-service running, and is this the maildir `./ledgerx up` printed?)");
            }
            await Task.Delay(Poll, clock, ct);
        }
    }

    /// <summary>The directory given, and a maildir's <c>new/</c> and <c>cur/</c> (a mail reader moves what it read to
    /// <c>cur/</c>), whether the root or its <c>new/</c> was given.</summary>
    private IEnumerable<string> Directories()
    {
        yield return maildir;
        yield return System.IO.Path.Combine(maildir, "new");
        yield return System.IO.Path.Combine(maildir, "cur");
        if (System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(maildir)) == "new")
        {
            yield return System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.TrimEndingDirectorySeparator(maildir))!, "cur");
        }
    }

    private static async Task<string?> TryReadAsync(string file, string email, CancellationToken ct)
    {
        try
        {
            await using var stream = File.OpenRead(file);
            var message = await MimeMessage.LoadAsync(stream, ct);
            if (!message.To.Mailboxes.Any(m => string.Equals(m.Address, email, StringComparison.OrdinalIgnoreCase)))
            {
                return null;
            }
            // notification-service sends the confirmation as HTML only (the code in <code>, '+' as an entity); a text part,
            // where a template has one, carries the code on its own line.
            if (message.TextBody is { } text && TextCode().Match(text) is { Success: true } plain)
            {
                return plain.Groups["code"].Value;
            }
            return message.HtmlBody is { } html && HtmlCode().Match(html) is { Success: true } marked
                ? System.Net.WebUtility.HtmlDecode(marked.Groups["code"].Value)
                : null;
        }
        catch (Exception ex) when (ex is IOException or FormatException or ParseException)
        {
            // A mail being written (maildir delivers into tmp/ then renames, but be safe) or not a mail at all.
            return null;
        }
    }

    /// <summary>security.email_confirmation.v1's text: the code on its own line after "with this code:".</summary>
    [GeneratedRegex(@"with this code:\s*\r?\n\s*\r?\n?\s*(?<code>\S+)")]
    private static partial Regex TextCode();

    /// <summary>Its HTML: the code in the first <c>code</c> element after "with this code:".</summary>
    [GeneratedRegex(@"with this code:.*?<code>(?<code>[^<]+)</code>", RegexOptions.Singleline)]
    private static partial Regex HtmlCode();
}
