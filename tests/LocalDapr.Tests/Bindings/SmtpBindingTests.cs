using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dapr;
using Dapr.Client;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Resources;
using LedgerX.LocalDapr.Tests.Infrastructure;
using LedgerX.Testing;

namespace LedgerX.LocalDapr.Tests.Bindings;

/// <summary>
/// bindings.smtp against the real SMTP server ./ledgerx test starts (aiosmtpd writing a maildir), through both APIs,
/// with components-contrib's rules: data is the HTML body, request metadata overrides the component's, ';' separates
/// addresses, and its errors for what is missing.
/// </summary>
public sealed class SmtpBindingTests
{
    private static readonly TimeSpan MailTimeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Grpc_invoke_sends_html_mail_with_the_components_sender_and_the_requests_recipients()
    {
        var (host, port) = TestMailServers.Smtp;
        using var resources = new ResourceFolder().WithComponent("notify-email", "bindings.smtp",
            ("host", host), ("port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("emailFrom", "LedgerX <no-reply@ledgerx.local>"),
            ("subject", "component subject"));
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "mail-app", ResourcesPaths = [resources.Path] }, Ct);
        using var client = Clients.For(sidecar);
        string to = TestMailServers.UniqueAddress("payer");
        string to2 = TestMailServers.UniqueAddress("second");
        string cc = TestMailServers.UniqueAddress("cc");
        string bcc = TestMailServers.UniqueAddress("bcc");

        var response = await client.InvokeBindingAsync(new BindingRequest("notify-email", "create")
        {
            Data = Encoding.UTF8.GetBytes("<p>You received <b>€12.50</b></p>"),
            Metadata = { ["emailTo"] = $"{to};{to2}", ["emailCC"] = cc, ["emailBCC"] = bcc, ["subject"] = "Money in", ["priority"] = "1" },
        }, Ct);

        response.Data.Length.ShouldBe(0);
        var mail = await TestMailServers.Maildir.WaitForAsync(to, MailTimeout, Ct);
        mail.Subject.ShouldBe("Money in");
        mail.Body.TrimEnd().ShouldBe("<p>You received <b>€12.50</b></p>");
        mail.Message.HtmlBody.ShouldNotBeNull("contrib sends the data as text/html");
        mail.From.ShouldBe(["no-reply@ledgerx.local"]);
        mail.EnvelopeFrom.ShouldBe("no-reply@ledgerx.local");
        mail.Message.To.Mailboxes.Select(m => m.Address).ShouldBe([to, to2]);
        mail.Message.Cc.Mailboxes.Select(m => m.Address).ShouldBe([cc]);
        mail.EnvelopeRecipients.ShouldBe([to, to2, cc, bcc], ignoreOrder: true);
        mail.Header("Bcc").ShouldBeNull("a Bcc recipient is in the envelope only");
        mail.Header("X-priority").ShouldBe("1");
        mail.Header("Message-ID").ShouldBeNull("gomail, contrib's client, sets none");
    }

    [Fact]
    public async Task Http_invoke_unquotes_the_json_string_data_and_answers_204_with_the_components_subject()
    {
        var (host, port) = TestMailServers.Smtp;
        using var resources = new ResourceFolder().WithComponent("notify-email", "bindings.smtp",
            ("host", host), ("port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("emailFrom", "no-reply@ledgerx.local"), ("subject", "Default subject"));
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "mail-app", ResourcesPaths = [resources.Path] }, Ct);
        using var http = new HttpClient { BaseAddress = new Uri(sidecar.HttpEndpoint) };
        string to = TestMailServers.UniqueAddress("http");

        var answer = await http.PostAsJsonAsync("/v1.0/bindings/notify-email", new { operation = "create", data = "<h1>Hi \"you\"</h1>\n<p>line</p>", metadata = new { emailTo = to } }, Ct);

        answer.StatusCode.ShouldBe(HttpStatusCode.NoContent, await answer.Content.ReadAsStringAsync(Ct));
        var mail = await TestMailServers.Maildir.WaitForAsync(to, MailTimeout, Ct);
        mail.Subject.ShouldBe("Default subject");
        mail.Body.ReplaceLineEndings("\n").TrimEnd().ShouldBe("<h1>Hi \"you\"</h1>\n<p>line</p>");
        mail.Header("X-priority").ShouldBe("3", "contrib's default priority");
    }

    [Theory]
    [InlineData("", "Subject", "smtp binding error: emailTo property not supplied in configuration- or request-metadata")]
    [InlineData("someone@ledgerx.test", "", "smtp binding error: subject property not supplied in configuration- or request-metadata")]
    public async Task A_mail_without_recipient_or_subject_fails_with_contribs_error(string to, string subject, string error)
    {
        var (host, port) = TestMailServers.Smtp;
        using var resources = new ResourceFolder().WithComponent("notify-email", "bindings.smtp",
            ("host", host), ("port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("emailFrom", "no-reply@ledgerx.local"));
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "mail-app", ResourcesPaths = [resources.Path] }, Ct);
        using var http = new HttpClient { BaseAddress = new Uri(sidecar.HttpEndpoint) };

        var answer = await http.PostAsJsonAsync("/v1.0/bindings/notify-email", new { operation = "create", data = "x", metadata = new { emailTo = to, subject } }, Ct);

        answer.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        var body = JsonNode.Parse(await answer.Content.ReadAsStringAsync(Ct))!;
        body["errorCode"]!.GetValue<string>().ShouldBe("ERR_INVOKE_OUTPUT_BINDING");
        body["message"]!.GetValue<string>().ShouldBe($"error invoking output binding notify-email: {error}");
    }

    [Fact]
    public async Task Bad_priority_unreachable_server_and_other_operations_are_binding_errors()
    {
        using var resources = new ResourceFolder().WithComponent("notify-email", "bindings.smtp",
            ("host", "127.0.0.1"), ("port", FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture)), ("emailFrom", "a@ledgerx.test"), ("emailTo", "b@ledgerx.test"), ("subject", "s"));
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "mail-app", ResourcesPaths = [resources.Path] }, Ct);
        using var client = Clients.For(sidecar);

        var priority = await Should.ThrowAsync<DaprException>(() => client.InvokeBindingAsync(new BindingRequest("notify-email", "create") { Metadata = { ["priority"] = "7" } }, Ct));
        (priority.InnerException?.Message ?? priority.Message).ShouldContain("priority value must be between 1 (highest) and 5 (lowest)");
        var refused = await Should.ThrowAsync<DaprException>(() => client.InvokeBindingAsync(new BindingRequest("notify-email", "create") { Data = "x"u8.ToArray() }, Ct));
        (refused.InnerException?.Message ?? refused.Message).ShouldContain("error from smtp binding, sending email failed");
        var operation = await Should.ThrowAsync<DaprException>(() => client.InvokeBindingAsync(new BindingRequest("notify-email", "get"), Ct));
        (operation.InnerException?.Message ?? operation.Message).ShouldContain("binding notify-email does not support operation get. supported operations:create");
    }

    [Fact]
    public async Task Credentials_come_from_the_secret_store_and_are_presented_when_the_server_offers_auth()
    {
        await using var server = new AuthSmtpServer();
        using var resources = new ResourceFolder()
            .With("secrets.json", """{"smtp-user": "relay-user", "smtp-password": "relay-pass"}""")
            .With("secretstore.yaml", Yaml.Component("secretstore", "secretstores.local.file", ("secretsFile", "secrets.json")))
            .With("notify-email.yaml", $$"""
                apiVersion: dapr.io/v1alpha1
                kind: Component
                metadata:
                  name: notify-email
                spec:
                  type: bindings.smtp
                  version: v1
                  metadata:
                    - name: host
                      value: "127.0.0.1"
                    - name: port
                      value: "{{server.Port}}"
                    - name: user
                      secretKeyRef: { name: smtp-user, key: smtp-user }
                    - name: password
                      secretKeyRef: { name: smtp-password }
                    - name: emailFrom
                      value: "LedgerX <no-reply@ledgerx.local>"
                auth:
                  secretStore: secretstore
                """);
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "mail-app", ResourcesPaths = [resources.Path], WorkingDirectory = resources.Path }, Ct);
        using var client = Clients.For(sidecar);

        await client.InvokeBindingAsync(new BindingRequest("notify-email", "create") { Data = "<p>hi</p>"u8.ToArray(), Metadata = { ["emailTo"] = "x@ledgerx.test", ["subject"] = "s" } }, Ct);

        var session = server.Sessions.ShouldHaveSingleItem();
        (session.AuthUser, session.AuthPassword).ShouldBe(("relay-user", "relay-pass"));
        session.MailFrom.ShouldBe("no-reply@ledgerx.local");
        session.Recipients.ShouldBe(["x@ledgerx.test"]);
    }

    [Theory]
    [InlineData(new[] { "emailFrom", "a@ledgerx.test" }, "smtp binding error: host and port fields are required in metadata")]
    [InlineData(new[] { "host", "localhost", "port", "25", "user", "u" }, "smtp binding error: both user and password fields are required in metadata")]
    [InlineData(new[] { "host", "localhost", "port", "25", "priority", "0" }, "priority value must be between 1 (highest) and 5 (lowest)")]
    public async Task A_component_contrib_would_not_init_stops_the_sidecar(string[] metadata, string error)
    {
        var pairs = metadata.Chunk(2).Select(p => (p[0], p[1])).ToArray();
        using var resources = new ResourceFolder().WithComponent("notify-email", "bindings.smtp", pairs);

        var failure = await Should.ThrowAsync<ResourceException>(() => LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "mail-app", ResourcesPaths = [resources.Path] }, Ct));

        failure.Message.ShouldContain(error);
    }
}
