namespace LedgerX.Chart.Tests;

/// <summary>notification-service's output bindings in the chart: the relay and providers from values, credentials from
/// the Secret when the relay or provider takes them, scoped to notification-service alone.</summary>
public sealed class ChartNotifyComponents
{
    private static readonly Lazy<RenderedChart> Defaults = new(() => ChartRenderer.Render());

    private static readonly Lazy<RenderedChart> Changed = new(() =>
        ChartRenderer.Render("-f", Path.Combine(AppContext.BaseDirectory, "values", "everything-changed.yaml"), "--name", "prod", "-n", "ledgerx"));

    private static readonly Lazy<RenderedChart> WithCredentials = new(() => ChartRenderer.Render("--set",
        "dapr.notify.email.credentialsFromSecret=true,dapr.notify.sms.tokenFromSecret=true,dapr.notify.push.tokenFromSecret=true", "--notes"));

    public static bool IsNotify(Manifest component) => component.Name.StartsWith("notify-", StringComparison.Ordinal);

    [Fact]
    public void Email_goes_through_the_configured_relay()
    {
        var email = Defaults.Value.Single("Component", "notify-email");

        email.Str("spec", "type").ShouldBe("bindings.smtp");
        Value(email, "host").ShouldBe("smtp.ledgerx.example");
        Value(email, "port").ShouldBe("587");
        Value(email, "emailFrom").ShouldBe("LedgerX <no-reply@ledgerx.example>");
        Value(email, "skipTLSVerify").ShouldBe("false");
        Names(email).ShouldNotContain("user", "a relay without credentials by default");
        email.List("scopes").ShouldBe(["notification-service"]);
    }

    [Theory]
    [InlineData("sms", "https://sms.provider.example/v1/messages")]
    [InlineData("push", "https://push.provider.example/v1/messages")]
    public void Providers_are_called_at_their_url_with_bounded_time_and_answers(string channel, string url)
    {
        var provider = Defaults.Value.Single("Component", $"notify-{channel}");

        provider.Str("spec", "type").ShouldBe("bindings.http");
        Value(provider, "url").ShouldBe(url);
        Value(provider, "responseTimeout").ShouldBe("10s");
        Value(provider, "maxResponseBodySize").ShouldBe("1Mi");
        Value(provider, "errorIfNot2XX").ShouldBe("true");
        Names(provider).ShouldNotContain("securityToken");
        provider.List("scopes").ShouldBe(["notification-service"]);
    }

    [Fact]
    public void Credentials_come_from_the_secret_and_the_notes_name_their_keys()
    {
        var chart = WithCredentials.Value;

        SecretRef(chart.Single("Component", "notify-email"), "user").ShouldBe(("ledgerx-secrets", "notify-smtp-user"));
        SecretRef(chart.Single("Component", "notify-email"), "password").ShouldBe(("ledgerx-secrets", "notify-smtp-password"));
        foreach (var channel in new[] { "sms", "push" })
        {
            var provider = chart.Single("Component", $"notify-{channel}");
            Value(provider, "securityTokenHeader").ShouldBe("Authorization");
            SecretRef(provider, "securityToken").ShouldBe(("ledgerx-secrets", $"notify-{channel}-token"));
            chart.Notes.ShouldContain($"--from-literal=notify-{channel}-token=");
        }

        chart.Notes.ShouldContain("--from-literal=notify-smtp-user=");
        ChartDefaultsRender.SecretKeysReferenced(chart).ShouldBe(
            ChartDefaultsRender.SecretKeysReferenced(Defaults.Value).Concat(["notify-smtp-user", "notify-smtp-password", "notify-sms-token", "notify-push-token"]),
            ignoreOrder: true);
    }

    [Fact]
    public void Values_change_the_relay_and_providers_and_the_created_secret_holds_their_credentials()
    {
        var chart = Changed.Value;
        var email = chart.Single("Component", "notify-email");
        Value(email, "host").ShouldBe("smtp-relay.mail.svc.cluster.local");
        Value(email, "port").ShouldBe("465");
        Value(email, "emailFrom").ShouldBe("Bank <no-reply@bank.example.com>");
        SecretRef(email, "user").ShouldBe(("ledgerx-prod", "notify-smtp-user"));

        var sms = chart.Single("Component", "notify-sms");
        Value(sms, "url").ShouldBe("https://sms.prod.example.com/messages");
        Value(sms, "securityTokenHeader").ShouldBe("X-Api-Key");
        SecretRef(sms, "securityToken").ShouldBe(("ledgerx-prod", "notify-sms-token"));
        Names(chart.Single("Component", "notify-push")).ShouldNotContain("securityToken");

        var secret = chart.Single("Secret", "ledgerx-prod").Map("stringData");
        secret["notify-sms-token"].ShouldBe("sms-key");
        secret["notify-smtp-password"].ShouldBe("relay-password");
        secret.Keys.Cast<string>().ShouldNotContain("notify-push-token");
    }

    private static IEnumerable<string?> Names(Manifest component) => component.List("spec", "metadata").Select(m => Node.Str(m, "name"));

    private static string? Value(Manifest component, string field) =>
        Node.Str(component.List("spec", "metadata").Single(m => Node.Str(m, "name") == field), "value");

    private static (string?, string?) SecretRef(Manifest component, string field)
    {
        var item = component.List("spec", "metadata").Single(m => Node.Str(m, "name") == field);
        return (Node.Str(item, "secretKeyRef", "name"), Node.Str(item, "secretKeyRef", "key"));
    }
}
