namespace LedgerX.Testing;

/// <summary>
/// Where a local sidecar keeps actor state, and so workflow state: the Dapr component with <c>actorStateStore</c> on.
/// In memory, workflows die with the sidecar; in PostgreSQL, a sidecar on the same database resumes them.
/// </summary>
public sealed class ActorStore
{
    private readonly Func<string, string> _component;

    private ActorStore(Func<string, string> component) => _component = component;

    public static ActorStore InMemory { get; } = new(name => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: {name}
        spec:
          type: state.in-memory
          version: v1
          metadata:
          - name: actorStateStore
            value: "true"
        """);

    public static ActorStore Postgres(string connectionString) => new(name => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: {name}
        spec:
          type: state.postgresql
          version: v2
          metadata:
          - name: connectionString
            value: "{connectionString}"
          - name: actorStateStore
            value: "true"
        """);

    /// <summary>The component's YAML, under <paramref name="name"/> (its <c>metadata.name</c>).</summary>
    public string Component(string name) => _component(name);
}
