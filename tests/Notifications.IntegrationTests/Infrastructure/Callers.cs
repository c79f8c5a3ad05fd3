using System.Net.Http.Headers;
using System.Net.Http.Json;
using LedgerX.ServiceDefaults.Auth;

namespace LedgerX.Notifications.IntegrationTests.Infrastructure;

/// <summary>A caller of notification-service: who (the token's subject) and which permissions, as auth-service's roles give them.</summary>
public sealed record Caller(string Subject, params string[] Permissions)
{
    /// <summary>An Authorization header for this caller; long-lived, so a fixture's client outlives a slow run.</summary>
    public AuthenticationHeaderValue Bearer() =>
        new("Bearer", TestTokens.Shared.Mint(Subject, Permissions, expiresIn: TimeSpan.FromHours(3)));
}

/// <summary>The callers the tests name (permissions as in auth-service's Roles/RolePermissions.cs).</summary>
public static class Callers
{
    /// <summary>A customer: their own preferences, history, webhooks and live feed (every role has notifications:manage).</summary>
    public static Caller Customer(string subject) => new(subject, Permissions.LedgerRead, Permissions.LedgerWrite, Permissions.NotificationsManage);

    /// <summary>An operator (admin): dead letters, replay, any user's history.</summary>
    public static readonly Caller Operator = new("admin-1", Permissions.NotificationsManage, Permissions.NotificationsOperate, Permissions.AuditRead);

    /// <summary>A valid token that grants nothing notification-service asks for.</summary>
    public static readonly Caller Nobody = new("nobody-1", Permissions.AuditRead);

    /// <summary>A fresh customer subject, so tests sharing a fixture never see each other's data.</summary>
    public static string NewSubject(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Sends <paramref name="request"/> (relative to <paramref name="client"/>'s base address) as
    /// <paramref name="caller"/>, or with no token at all when it is null.</summary>
    public static async Task<HttpResponseMessage> SendAsAsync(this HttpClient client, HttpRequestMessage request, Caller? caller)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        if (caller is not null)
        {
            request.Headers.Authorization = caller.Bearer();
        }
        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> GetAsAsync(this HttpClient client, string url, Caller? caller) =>
        client.SendAsAsync(new HttpRequestMessage(HttpMethod.Get, url), caller);

    public static Task<HttpResponseMessage> PostAsAsync(this HttpClient client, string url, object? body, Caller? caller) =>
        client.SendAsAsync(new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) }, caller);

    public static Task<HttpResponseMessage> PutAsAsync(this HttpClient client, string url, object? body, Caller? caller) =>
        client.SendAsAsync(new HttpRequestMessage(HttpMethod.Put, url) { Content = JsonContent.Create(body) }, caller);

    public static Task<HttpResponseMessage> DeleteAsAsync(this HttpClient client, string url, Caller? caller) =>
        client.SendAsAsync(new HttpRequestMessage(HttpMethod.Delete, url), caller);
}
