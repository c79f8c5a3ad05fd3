namespace LedgerX.LocalDapr.Resources;

/// <summary>
/// The placeholders daprd expands in every component metadata value before the component sees it
/// (dapr/dapr pkg/runtime/meta/meta.go <c>convertItemsToProps</c>): <c>{uuid}</c> a fresh random UUID per occurrence,
/// <c>{podName}</c> the <c>POD_NAME</c> variable (an error when it is unset), <c>{namespace}</c> the namespace and app id
/// joined by a dot, <c>{appID}</c> the app id. It is how a component asks for a value per replica: a pub/sub
/// <c>consumerID: "{uuid}"</c> gives each sidecar its own consumer group, so every replica receives every message
/// (a broadcast), where the default consumer id (the app id) makes replicas compete for each one.
/// </summary>
public static class ComponentMetadataTemplates
{
    public const string Uuid = "{uuid}";
    public const string PodName = "{podName}";
    public const string Namespace = "{namespace}";
    public const string AppId = "{appID}";

    /// <summary>Expands the placeholders of every value in place, in daprd's order; <paramref name="component"/> and
    /// <paramref name="file"/> only name the culprit of an error.</summary>
    public static void Expand(IDictionary<string, string> metadata, string appId, string @namespace, string? podName, string component, string file)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        foreach (var name in metadata.Keys.ToList())
        {
            metadata[name] = Expand(metadata[name], name, appId, @namespace, podName, component, file);
        }
    }

    public static string Expand(string value, string name, string appId, string @namespace, string? podName, string component, string file)
    {
        ArgumentNullException.ThrowIfNull(value);
        // Each occurrence gets its own UUID, as daprd replaces them one at a time.
        int at;
        while ((at = value.IndexOf(Uuid, StringComparison.Ordinal)) >= 0)
        {
            value = string.Concat(value.AsSpan(0, at), Guid.NewGuid().ToString(), value.AsSpan(at + Uuid.Length));
        }

        if (value.Contains(PodName, StringComparison.Ordinal))
        {
            if (string.IsNullOrEmpty(podName))
            {
                throw new ResourceException(file, $"spec.metadata.{name}",
                    $"component '{component}' refers to {PodName} but POD_NAME is not set");
            }

            value = value.Replace(PodName, podName, StringComparison.Ordinal);
        }

        return value.Replace(Namespace, @namespace + "." + appId, StringComparison.Ordinal).Replace(AppId, appId, StringComparison.Ordinal);
    }
}
