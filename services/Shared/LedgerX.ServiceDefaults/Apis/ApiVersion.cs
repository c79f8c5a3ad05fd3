using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LedgerX.ServiceDefaults.Apis;

/// <summary>
/// The API versions a service serves side by side, each with its route prefix, OpenAPI document
/// (<c>/openapi/{version}.json</c>) and endpoint-name suffix. The same handlers serve both; only the JSON shapes differ.
/// v2's breaking change: money is one object, <c>{ "amount": 2500, "currency": "EUR" }</c>, wherever v1 has an amount and
/// a currency side by side. One definition, so every service names its groups, documents and endpoints alike.
/// </summary>
public sealed record ApiVersion(string Name, string EndpointSuffix)
{
    public static readonly ApiVersion V1 = new("v1", "");
    public static readonly ApiVersion V2 = new("v2", "V2");

    public static readonly IReadOnlyList<string> All = [V1.Name, V2.Name];

    /// <summary>A route group under <c>/api/{version}{prefix}</c>, documented in that version's OpenAPI document only.</summary>
    public RouteGroupBuilder Group(IEndpointRouteBuilder app, string prefix, string tag) =>
        app.MapGroup($"/api/{Name}{prefix}").WithTags(tag).WithGroupName(Name);

    public string EndpointName(string name) => name + EndpointSuffix;
}
