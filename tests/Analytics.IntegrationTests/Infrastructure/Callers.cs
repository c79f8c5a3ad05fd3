using System.Net.Http.Headers;
using LedgerX.ServiceDefaults.Auth;
using LedgerX.Testing;

namespace LedgerX.Analytics.IntegrationTests.Infrastructure;

/// <summary>A caller of analytics-service: who (the token's subject) and which permissions, as auth-service's roles give them.</summary>
public sealed record Caller(string Subject, params string[] Permissions)
{
    /// <summary>An Authorization header for this caller; long-lived, so a fixture's default client outlives a slow run.</summary>
    public AuthenticationHeaderValue Bearer() =>
        new("Bearer", TestTokens.Shared.Mint(Subject, Permissions, expiresIn: TimeSpan.FromHours(3)));
}

/// <summary>The callers the tests name (permissions as in auth-service's Roles/RolePermissions.cs).</summary>
public static class Callers
{
    /// <summary>The fixture's default caller: reads every account's analytics and the ledger-wide ones, and rebuilds.</summary>
    public static readonly Caller Admin = new("admin-1", [.. Permissions.All]);

    /// <summary>An auditor: every account (accounts:any) and analytics:read, but no rebuild.</summary>
    public static readonly Caller Auditor = new("auditor-1",
        Permissions.LedgerRead, Permissions.AccountsAny, Permissions.LedgerVerify, Permissions.AuditRead, Permissions.AnalyticsRead);

    /// <summary>A customer: their own accounts only.</summary>
    public static Caller Customer(string subject) => new(subject, Permissions.LedgerRead, Permissions.LedgerWrite, Permissions.AnalyticsRead);

    /// <summary>A valid token that grants nothing analytics-service asks for.</summary>
    public static readonly Caller Nobody = new("nobody-1", Permissions.AuditRead);

    private static readonly HttpClient Anonymous = new();

    /// <summary>Sends <paramref name="request"/> (relative to <paramref name="client"/>'s base address) as
    /// <paramref name="caller"/>, or with no token at all when it is null (the client's default token is not sent then).</summary>
    public static async Task<HttpResponseMessage> SendAsAsync(this HttpClient client, HttpRequestMessage request, Caller? caller)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        if (caller is null)
        {
            request.RequestUri = new Uri(client.BaseAddress!, request.RequestUri!);
            return await Anonymous.SendAsync(request);
        }
        request.Headers.Authorization = caller.Bearer();
        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> GetAsAsync(this HttpClient client, string url, Caller? caller) =>
        client.SendAsAsync(new HttpRequestMessage(HttpMethod.Get, url), caller);

    public static Task<HttpResponseMessage> PostAsAsync(this HttpClient client, string url, object? body, Caller? caller) =>
        client.SendAsAsync(new HttpRequestMessage(HttpMethod.Post, url) { Content = System.Net.Http.Json.JsonContent.Create(body) }, caller);
}
