using LedgerX.Cli.Load.Users;
using MimeKit;

namespace LedgerX.Cli.Tests.Load;

/// <summary>The pool's new users read their confirmation code from the maildir as notification-service writes it
/// (security.email_confirmation.v1: text and HTML, the code on its own line).</summary>
public sealed class ConfirmationMailboxReads : IDisposable
{
    private readonly string _maildir = Directory.CreateTempSubdirectory("load-maildir-").FullName;

    public void Dispose() => Directory.Delete(_maildir, recursive: true);

    private void Deliver(string to, string code, string sub = "new")
    {
        var body = new BodyBuilder
        {
            TextBody = $"Hello,\n\nplease confirm this e-mail address for your LedgerX sign-in with this code:\n\n{code}\n\nIf you did not register, ignore this message.\n— LedgerX\n",
            HtmlBody = $"<p>please confirm this e-mail address for your LedgerX sign-in with this code:</p><p><code>{code}</code></p>",
        };
        var message = new MimeMessage([MailboxAddress.Parse("noreply@ledgerx.local")], [MailboxAddress.Parse(to)], "Confirm your e-mail address", body.ToMessageBody());
        Directory.CreateDirectory(Path.Combine(_maildir, sub));
        message.WriteTo(Path.Combine(_maildir, sub, Guid.NewGuid().ToString("N")));
    }

    [Fact]
    public async Task FindsTheCodeOfTheMailToTheAddressAmongOthers()
    {
        // Identity's confirmation tokens are long: quoted-printable wraps them, the reader must not.
        var code = "CfDJ8" + new string('x', 180) + "-_Q";
        Deliver("someone-else@ledgerx.test", "not-this-one");
        Deliver("load-1@ledgerx.test", code);

        var found = await new ConfirmationMailbox(_maildir, TimeProvider.System).CodeForAsync("LOAD-1@ledgerx.test", TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        found.ShouldBe(code);
    }

    [Fact]
    public async Task ReadsTheHtmlOnlyMailNotificationServiceSends()
    {
        // As security.email_confirmation.v1 renders it: HTML only, quoted-printable, '+' escaped as an entity.
        var code = "CfDJ8BGr+" + new string('y', 150) + "/W==";
        var body = new BodyBuilder
        {
            HtmlBody = $"<p>Hello,</p>\n<p>please confirm this e-mail address for your LedgerX sign-in with this code:</p>\n" +
                       $"<p><code>{code.Replace("+", "&#x2B;", StringComparison.Ordinal)}</code></p>\n<p>If you did not register, ignore this message.</p>",
        };
        var message = new MimeMessage([MailboxAddress.Parse("noreply@ledgerx.local")], [MailboxAddress.Parse("load-3@ledgerx.test")], "Confirm your e-mail address", body.ToMessageBody());
        Directory.CreateDirectory(Path.Combine(_maildir, "new"));
        message.WriteTo(Path.Combine(_maildir, "new", Guid.NewGuid().ToString("N")), TestContext.Current.CancellationToken);

        var found = await new ConfirmationMailbox(_maildir, TimeProvider.System).CodeForAsync("load-3@ledgerx.test", TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        found.ShouldBe(code);
    }

    [Fact]
    public async Task ReadsAMailAnotherReaderAlreadyMovedToCur()
    {
        Deliver("load-2@ledgerx.test", "code-2", sub: "cur");

        var found = await new ConfirmationMailbox(Path.Combine(_maildir, "new"), TimeProvider.System)
            .CodeForAsync("load-2@ledgerx.test", TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        found.ShouldBe("code-2");
    }

    [Fact]
    public async Task SaysWhereItLookedWhenNoMailCame()
    {
        var error = await Should.ThrowAsync<LoadSetupException>(() =>
            new ConfirmationMailbox(_maildir, TimeProvider.System).CodeForAsync("nobody@ledgerx.test", TimeSpan.Zero, TestContext.Current.CancellationToken));

        error.Message.ShouldContain($"no confirmation mail for nobody@ledgerx.test in {_maildir}");
    }
}
