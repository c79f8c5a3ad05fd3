namespace LedgerX.Testing;

/// <summary>
/// The Dapr components an auth-service under test needs from its sidecar: the secret store as the process environment
/// (<c>secretstores.local.env</c>, so a test puts signing keys and client secrets in variables of its own, and can
/// rotate them mid-test) and an in-memory pub/sub for its outbox relays.
/// </summary>
public static class AuthServiceComponents
{
    public const string Yaml =
        """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: secretstore
        spec:
          type: secretstores.local.env
          version: v1
        ---
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: pubsub
        spec:
          type: pubsub.in-memory
          version: v1
        """;

    /// <summary>Writes them to <c>components.yaml</c> in <paramref name="resourcesDirectory"/>, the sidecar's resources path.</summary>
    public static Task WriteAsync(string resourcesDirectory) =>
        File.WriteAllTextAsync(Path.Combine(resourcesDirectory, "components.yaml"), Yaml);
}
