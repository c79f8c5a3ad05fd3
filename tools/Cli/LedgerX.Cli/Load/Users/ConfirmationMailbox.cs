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
            if (Directory.Exists(maildir))
            {
                foreach (var file in Directory.EnumerateFiles(maildir).Where(seen.Add))
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
            var code = Code().Match(message.TextBody ?? "");
            return code.Success ? code.Groups["code"].Value : null;
        }
        catch (Exception ex) when (ex is IOException or FormatException or ParseException)
        {
            // A mail being written (maildir delivers into tmp/ then renames, but be safe) or not a mail at all.
            return null;
        }
    }

    /// <summary>security.email_confirmation.v1's text: the code on its own line after "with this code:".</summary>
    [GeneratedRegex(@"with this code:\s*\r?\n\s*\r?\n?\s*(?<code>\S+)")]
    private static partial Regex Code();
}
