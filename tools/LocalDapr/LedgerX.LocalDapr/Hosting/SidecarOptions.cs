using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Hosting;

/// <summary>How to start one sidecar; mirrors daprd's flags.</summary>
public sealed record SidecarOptions
{
    /// <summary><c>--app-id</c>.</summary>
    public required string AppId { get; init; }

    /// <summary><c>--app-port</c>; null when the sidecar has no app (publish-only, tests).</summary>
    public int? AppPort { get; init; }

    /// <summary><c>--app-protocol</c>: <c>http</c> (default) or <c>grpc</c> (the sidecar calls the app's <c>AppCallback</c> service).</summary>
    public AppProtocol AppProtocol { get; init; } = AppProtocol.Http;

    /// <summary><c>--app-channel-address</c>.</summary>
    public string AppChannelAddress { get; init; } = "127.0.0.1";

    /// <summary><c>--dapr-http-port</c>; 0 picks a free port (read it back from <see cref="LocalDaprSidecar.HttpPort"/>).</summary>
    public int HttpPort { get; init; }

    /// <summary><c>--dapr-grpc-port</c>; 0 picks a free port.</summary>
    public int GrpcPort { get; init; }

    /// <summary><c>--metrics-port</c>: Prometheus <c>/metrics</c>; null serves none, 0 picks a free port.</summary>
    public int? MetricsPort { get; init; }

    /// <summary><c>--resources-path</c> (repeatable); every *.yaml in these folders is loaded.</summary>
    public IReadOnlyList<string> ResourcesPaths { get; init; } = [];

    /// <summary><c>--config</c>: a file with a Configuration resource (tracing).</summary>
    public string? ConfigFile { get; init; }

    /// <summary>
    /// The sidecar's namespace (daprd: <c>NAMESPACE</c>, "default" when unset). With the Configuration's
    /// <c>accessControl.trustDomain</c> and the app id it makes the identity other sidecars' access control sees.
    /// </summary>
    public string Namespace { get; init; } = "default";

    /// <summary>daprd's <c>POD_NAME</c>: what <c>{podName}</c> in component metadata becomes (unset outside Kubernetes).</summary>
    public string? PodName { get; init; } = Environment.GetEnvironmentVariable("POD_NAME");

    /// <summary>DAPR_API_TOKEN: required from callers on every API but the health endpoints.</summary>
    public string? ApiToken { get; init; }

    /// <summary>APP_API_TOKEN: sent to the app as <c>dapr-api-token</c>.</summary>
    public string? AppApiToken { get; init; }

    /// <summary>Relative paths in components (secretsFile, rootPath) resolve against this; daprd uses its working directory.</summary>
    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>Shared directory for cross-process name resolution (<c>{appId}.json</c>); null = in-process only.</summary>
    public string? RegistryDirectory { get; init; }

    /// <summary>When true, StartAsync returns only after the app answered <c>/dapr/subscribe</c> (or <see cref="AppReadyTimeout"/>).</summary>
    public bool WaitForApp { get; init; } = true;

    /// <summary>How long to wait for the app to start listening before giving up on it.</summary>
    public TimeSpan AppReadyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest request body accepted (daprd's <c>--max-body-size</c>, default 4 MiB).</summary>
    public long MaxRequestBodyBytes { get; init; } = 4L << 20;

    /// <summary>
    /// Metadata values that replace those in the component files, by component name: how the launcher points
    /// components at the PostgreSQL/Redis it started when the configured ones are not reachable.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> ComponentMetadataOverrides { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <summary>
    /// Test convenience: sidecars given the same network share their <c>pubsub.in-memory</c> components by name
    /// (daprd's in-memory pub/sub is per sidecar; null keeps that behaviour).
    /// </summary>
    public PubSub.InMemoryPubSubNetwork? InMemoryPubSubNetwork { get; init; }

    public ILoggerFactory? LoggerFactory { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
