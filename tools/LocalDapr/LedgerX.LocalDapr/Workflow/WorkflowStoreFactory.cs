using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Resources;

namespace LedgerX.LocalDapr.Workflow;

/// <summary>
/// Chooses where a sidecar keeps workflow state, as daprd does: in the actor state store (the state component
/// with <c>actorStateStore: "true"</c>). A <c>state.postgresql</c> actor store gives a
/// <see cref="PostgresWorkflowStore"/> in the same database (connection resolved exactly like the component's:
/// secretKeyRef, envRef and launcher overrides), its connection pool bounded by the component's <c>maxConns</c> as daprd's is;
/// anything else, or no actor store, keeps workflows in memory.
/// </summary>
public static class WorkflowStoreFactory
{
    public static async Task<IWorkflowStore> OpenAsync(ResourceSet resources, SidecarOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resources);
        ArgumentNullException.ThrowIfNull(options);
        var actorStores = resources.Components
            .Where(c => c.Category == "state" && c.Metadata.Any(m => string.Equals(m.Name, "actorStateStore", StringComparison.OrdinalIgnoreCase)
                && string.Equals(m.Value?.Trim(), "true", StringComparison.OrdinalIgnoreCase)))
            .ToList();
        if (actorStores.Count != 1 || actorStores[0].Type != "state.postgresql")
        {
            return new InMemoryWorkflowStore();
        }

        var store = actorStores[0];
        var metadata = ComponentFactory.ResolveMetadata(resources, options.WorkingDirectory).Single(r => r.Component == store).Metadata;
        string? connectionString = metadata.GetValueOrDefault("connectionString");
        if (options.ComponentMetadataOverrides.TryGetValue(store.Name, out var overrides) && overrides.TryGetValue("connectionString", out var overridden))
        {
            connectionString = overridden;
        }

        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ResourceException(store.File, "spec.metadata.connectionString", $"is required for {store.Type}");
        }

        string? maxConns = metadata.GetValueOrDefault("maxConns");
        if (options.ComponentMetadataOverrides.TryGetValue(store.Name, out var poolOverrides) && poolOverrides.TryGetValue("maxConns", out var overriddenMax))
        {
            maxConns = overriddenMax;
        }

        if (!string.IsNullOrWhiteSpace(maxConns) && !int.TryParse(maxConns.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
        {
            throw new ResourceException(store.File, "spec.metadata.maxConns", $"must be a whole number, not '{maxConns}'");
        }

        return await PostgresWorkflowStore.OpenAsync(connectionString, options.AppId, cancellationToken, maxConns);
    }
}
