using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.ServiceDefaults.Auth;

namespace LedgerX.Auth.Audit.Tests;

/// <summary>The OpenAPI document of the audit log's routes is true: every status it documents for an operation is
/// produced here, and a newly documented operation or status without a request below fails. (The subscription route
/// is for the sidecar and is not documented.)</summary>
public sealed class AuditLogOpenApiIsTrue(AuditLogHost host) : IClassFixture<AuditLogHost>
{
    [Fact]
    public async Task EveryStatusTheDocumentPromises_IsProduced()
    {
        var document = (await host.Anonymous.GetFromJsonAsync<JsonObject>("/openapi/v1.json", TestContext.Current.CancellationToken))!;
        using var teller = host.Client(AuditLogHost.Token("teller-2", Permissions.LedgerRead));
        await host.Auditor.VerifyAsync(); // at least one record: its own
        var produce = new Dictionary<(string Operation, int Status), Func<Task<HttpResponseMessage>>>
        {
            [("ListAuditEvents", 200)] = () => host.Auditor.GetAsync("/api/v1/audit/events", TestContext.Current.CancellationToken),
            [("ListAuditEvents", 400)] = () => host.Auditor.GetAsync("/api/v1/audit/events?limit=0", TestContext.Current.CancellationToken),
            [("ListAuditEvents", 401)] = () => host.Anonymous.GetAsync("/api/v1/audit/events", TestContext.Current.CancellationToken),
            [("ListAuditEvents", 403)] = () => teller.GetAsync("/api/v1/audit/events", TestContext.Current.CancellationToken),
            [("GetAuditEvent", 200)] = () => host.Auditor.GetAsync("/api/v1/audit/events/1", TestContext.Current.CancellationToken),
            [("GetAuditEvent", 404)] = () => host.Auditor.GetAsync("/api/v1/audit/events/0", TestContext.Current.CancellationToken),
            [("GetAuditEvent", 401)] = () => host.Anonymous.GetAsync("/api/v1/audit/events/1", TestContext.Current.CancellationToken),
            [("GetAuditEvent", 403)] = () => teller.GetAsync("/api/v1/audit/events/1", TestContext.Current.CancellationToken),
            [("VerifyAuditLog", 200)] = () => host.Auditor.PostAsync("/api/v1/audit/verify", null, TestContext.Current.CancellationToken),
            [("VerifyAuditLog", 401)] = () => host.Anonymous.PostAsync("/api/v1/audit/verify", null, TestContext.Current.CancellationToken),
            [("VerifyAuditLog", 403)] = () => teller.PostAsync("/api/v1/audit/verify", null, TestContext.Current.CancellationToken),
        };

        var documented = document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject().SelectMany(operation =>
            operation.Value!["responses"]!.AsObject().Select(response =>
                (operation.Value!["operationId"]!.GetValue<string>(), int.Parse(response.Key, System.Globalization.CultureInfo.InvariantCulture)))));
        documented.ShouldBe(produce.Keys, ignoreOrder: true);
        foreach (var ((operation, status), send) in produce)
        {
            using var response = await send();
            ((int)response.StatusCode).ShouldBe(status, $"{operation}: {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        }
    }
}
