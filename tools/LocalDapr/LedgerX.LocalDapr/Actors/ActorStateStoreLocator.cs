using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.State;

namespace LedgerX.LocalDapr.Actors;

/// <summary>Finds the state store marked <c>actorStateStore: "true"</c> (common metadata daprd interprets, pkg/runtime/processor/state/state.go).</summary>
public static class ActorStateStoreLocator
{
    /// <summary>The actor state store, or null when none is marked; more than one is a configuration error, as in daprd.</summary>
    public static StateComponent? Find(LoadedComponents components)
    {
        ArgumentNullException.ThrowIfNull(components);
        var marked = components.All
            .Where(c => c.Category == "state" && c.Metadata.Any(m => string.Equals(m.Name, "actorStateStore", StringComparison.OrdinalIgnoreCase)
                && string.Equals(m.Value?.Trim(), "true", StringComparison.OrdinalIgnoreCase)))
            .Select(c => c.Name)
            .ToList();
        if (marked.Count > 1)
        {
            throw new InvalidOperationException($"detected duplicate actor state store: {string.Join(", ", marked)}; only one state store may have actorStateStore: \"true\"");
        }

        return marked.Count == 1 && components.StateStores.TryGetValue(marked[0], out var store) ? store : null;
    }
}
