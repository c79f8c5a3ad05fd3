namespace LedgerX.Testing;

/// <summary>
/// components/notify-*.yaml for a sidecar under test, pointed at the servers <c>./ledgerx test</c> started
/// (<see cref="TestMailServers"/>) instead of the fixed ports of <c>./ledgerx up</c>: notify-email (bindings.smtp),
/// notify-sms and notify-push (bindings.http to the provider sink's /sms and /push).
/// </summary>
public static class NotifyComponents
{
    public const string Email = "notify-email";
    public const string Sms = "notify-sms";
    public const string Push = "notify-push";

    /// <summary>The three components as YAML, scoped to <paramref name="appId"/>.</summary>
    public static string Yaml(string appId = "notification-service")
    {
        var (host, port) = TestMailServers.Smtp;
        string sink = TestMailServers.ProviderSink.ToString().TrimEnd('/');
        return $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: {Email}
            spec:
              type: bindings.smtp
              version: v1
              metadata:
                - name: host
                  value: "{host}"
                - name: port
                  value: "{port}"
                - name: emailFrom
                  value: "LedgerX <no-reply@ledgerx.local>"
                - name: skipTLSVerify
                  value: "false"
            scopes:
              - {appId}
            ---
            {HttpComponent(Sms, sink + "/sms", appId)}
            ---
            {HttpComponent(Push, sink + "/push", appId)}
            """;
    }

    /// <summary>Writes them to <c>notify-components.yaml</c> in <paramref name="resourcesDirectory"/>.</summary>
    public static Task WriteAsync(string resourcesDirectory, string appId = "notification-service") =>
        File.WriteAllTextAsync(Path.Combine(resourcesDirectory, "notify-components.yaml"), Yaml(appId));

    private static string HttpComponent(string name, string url, string appId) => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: {name}
        spec:
          type: bindings.http
          version: v1
          metadata:
            - name: url
              value: "{url}"
            - name: responseTimeout
              value: 10s
            - name: maxResponseBodySize
              value: 1Mi
            - name: errorIfNot2XX
              value: "true"
        scopes:
          - {appId}
        """;
}
