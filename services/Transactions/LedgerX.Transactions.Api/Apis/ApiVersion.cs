namespace LedgerX.Transactions.Api.Apis;

/// <summary>
/// A version of the HTTP API. Every ledger route is served under each version's prefix by the same handler; a version
/// differs only in how money is written (<see cref="MoneyAsObject"/>): v1 has an amount and a currency side by side, v2
/// one <c>{ "amount", "currency" }</c> object (issue 15's breaking change). Each version is its own OpenAPI document
/// (<c>/openapi/v1.json</c>, <c>/openapi/v2.json</c>), chosen by the route group's name.
/// </summary>
public sealed class ApiVersion
{
    public static readonly ApiVersion V1 = new("v1", moneyAsObject: false);
    public static readonly ApiVersion V2 = new("v2", moneyAsObject: true);
    public static readonly IReadOnlyList<ApiVersion> All = [V1, V2];

    private ApiVersion(string name, bool moneyAsObject)
    {
        Name = name;
        MoneyAsObject = moneyAsObject;
    }

    /// <summary>The OpenAPI document and route group name: v1, v2.</summary>
    public string Name { get; }

    /// <summary>Where the version's routes live: <c>/api/v1</c>, <c>/api/v2</c>.</summary>
    public string Prefix => $"/api/{Name}";

    public bool MoneyAsObject { get; }

    /// <summary>An endpoint name unique across versions (route names must be): v1 keeps the name it always had.</summary>
    public string EndpointName(string name) => this == V1 ? name : $"{name}{char.ToUpperInvariant(Name[0])}{Name[1..]}";

    /// <summary>Handlers take the version as a parameter; it is the route group's, never anything the client sent.</summary>
    public static ValueTask<ApiVersion?> BindAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return ValueTask.FromResult<ApiVersion?>(http.GetEndpoint()?.Metadata.GetMetadata<ApiVersion>()
            ?? throw new InvalidOperationException("A ledger route is mapped in a version's group (MapVersionGroup)."));
    }

    public override string ToString() => Name;
}

public static class ApiVersionRouting
{
    /// <summary>The group of <paramref name="path"/> under <paramref name="version"/>'s prefix, in its OpenAPI document.</summary>
    public static RouteGroupBuilder MapVersionGroup(this IEndpointRouteBuilder app, ApiVersion version, string path = "")
    {
        ArgumentNullException.ThrowIfNull(version);
        return app.MapGroup(version.Prefix + path).WithGroupName(version.Name).WithMetadata(version);
    }

    /// <summary>Maps the version's handler of a route whose body differs between versions (money as an object in v2).</summary>
    public static RouteHandlerBuilder MapPostPerVersion(this RouteGroupBuilder group, ApiVersion version, string pattern, Delegate v1, Delegate v2)
    {
        ArgumentNullException.ThrowIfNull(version);
        return group.MapPost(pattern, version.MoneyAsObject ? v2 : v1);
    }
}
