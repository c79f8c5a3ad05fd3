using LedgerX.Auth.Api.Accounts;
using LedgerX.Auth.Api.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Auth.IntegrationTests.Infrastructure;

/// <summary>Fresh users made through the public API, as a person would: register, read the token from the message
/// auth-service sent (its outbox), confirm.</summary>
public static class Accounts
{
    public const string Password = "Fresh-Passw0rd-Long";

    public static string NewEmail() => $"user-{Guid.NewGuid():N}@authit.test";

    /// <summary>A registered, confirmed customer; roles beyond customer are granted directly.</summary>
    public static async Task<(Guid Id, string Email)> ConfirmedUserAsync(AuthServer server, params string[] extraRoles)
    {
        var email = NewEmail();
        using var registered = await server.Client.PostAsJsonAsync("/api/v1/users/register", new { email, password = Password });
        registered.StatusCode.ShouldBe(HttpStatusCode.Created, await registered.Content.ReadAsStringAsync());
        var id = (await registered.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
        var token = await MessageTokenAsync(server, email, AccountMessage.ConfirmEmail);
        using var confirmed = await server.Client.PostAsJsonAsync("/api/v1/users/confirm", new { userId = id, token });
        confirmed.StatusCode.ShouldBe(HttpStatusCode.NoContent, await confirmed.Content.ReadAsStringAsync());
        if (extraRoles.Length > 0)
        {
            await using var scope = server.App.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AuthUser>>();
            var user = await users.FindByIdAsync(id.ToString());
            (await users.AddToRolesAsync(user!, extraRoles)).Succeeded.ShouldBeTrue();
        }
        return (id, email);
    }

    /// <summary>The token of the newest message of <paramref name="kind"/> sent to <paramref name="email"/>.</summary>
    public static async Task<string> MessageTokenAsync(AuthServer server, string email, string kind)
    {
        var messages = await server.OutboxAsync(AccountMessage.Topic);
        var message = messages.Last(m => m.GetProperty("email").GetString() == email && m.GetProperty("kind").GetString() == kind);
        return message.GetProperty("token").GetString()!;
    }

    public static async Task<HttpResponseMessage> SendAsync(AuthServer server, HttpMethod method, string url, string token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        return await server.Client.SendAsync(request.WithBearer(token));
    }
}
