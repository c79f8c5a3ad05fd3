using System.Text;
using System.Text.Json.Nodes;
using Dapr.Client;
using LedgerX.LocalDapr.Bindings;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Tests.Infrastructure;
using LedgerX.Testing;

namespace LedgerX.LocalDapr.Tests.Bindings;

/// <summary>
/// The notification components as notification-service's sidecar loads them: the repository's components/notify-*.yaml,
/// and the test twins (<see cref="NotifyComponents"/>) delivering to the SMTP server and provider sink of the test run.
/// </summary>
public sealed class NotifyComponentsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_repositorys_notify_components_load_as_output_bindings_for_notification_service_only()
    {
        // From the app's directory, as the launcher runs it: the secret store it is now scoped to names its file relative to it.
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "notification-service", ResourcesPaths = [RepositoryRoot.PathOf("components")],
            WorkingDirectory = RepositoryRoot.PathOf("services/Notifications/LedgerX.Notifications.Api"),
        }, Ct);
        using var http = new HttpClient { BaseAddress = new Uri(sidecar.HttpEndpoint) };

        var components = JsonNode.Parse(await http.GetStringAsync("/v1.0/metadata", Ct))!["components"]!.AsArray()
            .Where(c => c!["name"]!.GetValue<string>().StartsWith("notify-", StringComparison.Ordinal))
            .ToDictionary(c => c!["name"]!.GetValue<string>(), c => c!);

        components.Keys.Order().ShouldBe(["notify-email", "notify-push", "notify-sms"]);
        components["notify-email"]["type"]!.GetValue<string>().ShouldBe("bindings.smtp");
        components["notify-sms"]["type"]!.GetValue<string>().ShouldBe("bindings.http");
        components.Values.ShouldAllBe(c => c["capabilities"]!.AsArray().Select(x => x!.GetValue<string>()).Contains("OUTPUT_BINDING"));

        await using var other = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "transaction-service-probe", ResourcesPaths = [RepositoryRoot.PathOf("components")] }, Ct);
        using var otherHttp = new HttpClient { BaseAddress = new Uri(other.HttpEndpoint) };
        (await otherHttp.GetStringAsync("/v1.0/metadata", Ct)).ShouldNotContain("notify-", customMessage: "scoped to notification-service");
    }

    [Fact]
    public async Task The_test_twins_deliver_email_to_the_maildir_and_sms_and_push_to_the_provider_sink_once_per_key()
    {
        using var resources = new ResourceFolder();
        await NotifyComponents.WriteAsync(resources.Path, "notify-test");
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "notify-test", ResourcesPaths = [resources.Path] }, Ct);
        using var client = Clients.For(sidecar);
        string to = TestMailServers.UniqueAddress("twin");
        string key = Guid.NewGuid().ToString();

        await client.InvokeBindingAsync(new BindingRequest(NotifyComponents.Email, "create") { Data = "<p>twin</p>"u8.ToArray(), Metadata = { ["emailTo"] = to, ["subject"] = "Twin" } }, Ct);
        var first = await client.InvokeBindingAsync(new BindingRequest(NotifyComponents.Sms, "post") { Data = Encoding.UTF8.GetBytes($$"""{"to":"+1","key":"{{key}}"}"""), Metadata = { ["Idempotency-Key"] = key } }, Ct);
        var retry = await client.InvokeBindingAsync(new BindingRequest(NotifyComponents.Sms, "post") { Data = Encoding.UTF8.GetBytes($$"""{"to":"+1","key":"{{key}}"}"""), Metadata = { ["Idempotency-Key"] = key } }, Ct);
        await client.InvokeBindingAsync(new BindingRequest(NotifyComponents.Push, "post") { Data = Encoding.UTF8.GetBytes($$"""{"key":"{{key}}"}"""), Metadata = { ["Idempotency-Key"] = key + "-push" } }, Ct);

        (await TestMailServers.Maildir.WaitForAsync(to, TimeSpan.FromSeconds(30), Ct)).Subject.ShouldBe("Twin");
        first.Metadata["statusCode"].ShouldBe("202");
        string id = JsonNode.Parse(first.Data.ToArray())!["id"]!.GetValue<string>();
        JsonNode.Parse(retry.Data.ToArray())!["id"]!.GetValue<string>().ShouldBe(id, "the sink answers a repeated Idempotency-Key with the first id");
        var log = TestMailServers.ProviderSinkLog;
        var sms = await log.WaitForAsync(r => r.IdempotencyKey == key, TimeSpan.FromSeconds(10), Ct);
        (sms.Path, sms.MessageId, sms.Json.GetProperty("to").GetString()).ShouldBe(("/sms", id, "+1"));
        sms.Header("Content-Type").ShouldBe("application/json; charset=utf-8");
        (await log.WaitForAsync(r => r.IdempotencyKey == key + "-push", TimeSpan.FromSeconds(10), Ct)).Path.ShouldBe("/push");
        log.ReadAll().Count(r => r.IdempotencyKey == key).ShouldBe(1, "a retry with the same key is not logged twice");
    }

    [Theory]
    [InlineData("\"a\\\"b\\n\\u003cp\\u003e\"", "a\"b\n<p>")]
    [InlineData("`raw\\n`", "raw\\n")]
    [InlineData("\"\\x41\\101\\U0001F600\"", "AA😀")]
    public void Go_unquote_reads_what_daprd_hands_a_binding(string quoted, string expected)
    {
        GoText.TryUnquote(quoted, out string value).ShouldBeTrue();
        value.ShouldBe(expected);
    }

    [Theory]
    [InlineData("<p>not quoted</p>")]
    [InlineData("\"unterminated")]
    [InlineData("\"bad \\q escape\"")]
    public void Go_unquote_leaves_what_is_not_a_go_string(string text) => GoText.TryUnquote(text, out _).ShouldBeFalse();

    [Theory]
    [InlineData("1024", 1024L)]
    [InlineData("1Ki", 1024L)]
    [InlineData("100Mi", 100L << 20)]
    [InlineData("2k", 2000L)]
    [InlineData("0", 0L)]
    public void Byte_sizes_parse_like_dapr_kit(string text, long bytes)
    {
        GoText.TryParseByteSize(text, out long parsed).ShouldBeTrue();
        parsed.ShouldBe(bytes);
    }

    [Fact]
    public void Http_data_is_marshalled_like_go_sorted_keys_and_html_escaped()
    {
        Encoding.UTF8.GetString(GoText.MarshalLikeGo(JsonNode.Parse("""{"z":1,"a":{"y":"<b>&</b>","b":[2,"+é"]}}""")))
            .ShouldBe("""{"a":{"b":[2,"+é"],"y":"\u003cb\u003e\u0026\u003c/b\u003e"},"z":1}""");
        Encoding.UTF8.GetString(GoText.MarshalLikeGo(null)).ShouldBe("null");
    }
}
