namespace LedgerX.Testing;

/// <summary>
/// The servers notification bindings deliver to in tests, started by <c>./ledgerx test</c> (tools/devenv/devenv.sh
/// <c>start_smtp</c>/<c>start_provider_sink</c>): a real SMTP server that stores every mail in a maildir, and a provider
/// sink that logs every SMS/push request. Every test of a run shares them, so a test tells its own mail and
/// requests apart by a recipient or key no other test uses (<see cref="UniqueAddress"/>).
/// </summary>
public static class TestMailServers
{
    public const string SmtpVariable = "LEDGERX_TEST_SMTP";
    public const string MaildirVariable = "LEDGERX_TEST_MAILDIR";
    public const string ProviderSinkVariable = "LEDGERX_TEST_PROVIDER_SINK";
    public const string ProviderSinkLogVariable = "LEDGERX_TEST_PROVIDER_SINK_LOG";

    /// <summary>How to get the servers outside <c>./ledgerx test</c>.</summary>
    private const string HowToStart =
        "Start them once and export their addresses: eval \"$(tools/devenv/devenv.sh start-mail /tmp/ledgerx-mail --export)\".";

    /// <summary>The SMTP server's host and port (<c>LEDGERX_TEST_SMTP</c>, <c>127.0.0.1:N</c>).</summary>
    public static (string Host, int Port) Smtp
    {
        get
        {
            string address = Required(SmtpVariable);
            int colon = address.LastIndexOf(':');
            return (address[..colon], int.Parse(address[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The maildir the SMTP server writes (<c>LEDGERX_TEST_MAILDIR</c>).</summary>
    public static Maildir Maildir => new(Required(MaildirVariable));

    /// <summary>The provider sink's base URL (<c>LEDGERX_TEST_PROVIDER_SINK</c>): bindings post to <c>{url}/sms</c>, <c>{url}/push</c>.</summary>
    public static Uri ProviderSink => new(Required(ProviderSinkVariable));

    /// <summary>The provider sink's request log (<c>LEDGERX_TEST_PROVIDER_SINK_LOG</c>).</summary>
    public static ProviderSinkLog ProviderSinkLog => new(Required(ProviderSinkLogVariable));

    /// <summary>An email address no other test uses, e.g. <c>payer-3f2a…@ledgerx.test</c>.</summary>
    public static string UniqueAddress(string name) =>
        $"{name}-{Guid.NewGuid().ToString("N", System.Globalization.CultureInfo.InvariantCulture)[..16]}@ledgerx.test";

    private static string Required(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new TestEnvironmentUnavailableException($"No mail servers for tests: {variable} is not set. {HowToStart}");
}
