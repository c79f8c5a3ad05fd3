using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using LedgerX.Notifications.Api.Live;
using LedgerX.Notifications.IntegrationTests.Infrastructure;
using Npgsql;

namespace LedgerX.Notifications.IntegrationTests.Live;

/// <summary>Who may open a live connection: a token with notifications:manage, or a single-use unexpired ticket; never
/// an access token in the URL; a bounded number per user; closed when the token expires.</summary>
[Collection(LiveSystemCollection.Name)]
public sealed class LiveFeedAccess(LiveSystem system)
{
    [Fact]
    public async Task WithoutATokenTheGatewayAndTheServiceBothAnswer401()
    {
        var gateway = await Should.ThrowAsync<LiveHandshakeRefused>(() => LiveWebSocket.ConnectAsync(system.Gateway.WebSocketUri(), bearer: null));
        gateway.Status.ShouldBe(HttpStatusCode.Unauthorized);
        var (_, sse) = await LiveEventStream.OpenAsync(system.Gateway.Client.BaseAddress!, bearer: null);
        sse.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        // Zero trust: the replica checks again, though its live paths skip the sidecar token.
        var (_, direct) = await LiveEventStream.OpenAsync(system.ReplicaA.Client.BaseAddress!, bearer: null);
        direct.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var otherIssuer = new TestTokens();
        var wrongKey = otherIssuer.Bearer("mallory", LedgerX.ServiceDefaults.Auth.Permissions.NotificationsManage);
        var (_, forged) = await LiveEventStream.OpenAsync(system.ReplicaA.Client.BaseAddress!, wrongKey);
        forged.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ATokenWithoutNotificationsManageIs403AndOneInTheQueryIs400()
    {
        var (_, forbidden) = await LiveEventStream.OpenAsync(system.ReplicaA.Client.BaseAddress!, Callers.Nobody.Bearer());
        forbidden.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var forbiddenSocket = await Should.ThrowAsync<LiveHandshakeRefused>(() => LiveWebSocket.ConnectAsync(system.Gateway.WebSocketUri(), Callers.Nobody.Bearer()));
        forbiddenSocket.Status.ShouldBe(HttpStatusCode.Forbidden);
        (await system.Gateway.Client.PostAsAsync($"{LiveApi.Prefix}/tickets", null, Callers.Nobody)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await system.ReplicaA.Client.PostAsAsync($"{LiveApi.Prefix}/tickets", null, caller: null)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var token = Callers.Customer(Callers.NewSubject()).Bearer().Parameter;
        var (_, inQuery) = await LiveEventStream.OpenAsync(system.ReplicaA.Client.BaseAddress!, bearer: null, query: $"?access_token={token}");
        inQuery.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await inQuery.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().ShouldBe(LiveCaller.TokenInQuery);

        var (_, badResume) = await LiveEventStream.OpenAsync(system.ReplicaA.Client.BaseAddress!, Callers.Customer(Callers.NewSubject()).Bearer(), lastEventId: "-3");
        badResume.StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var notUpgraded = await system.ReplicaA.Client.GetAsAsync($"{LiveApi.Prefix}/ws", Callers.Customer(Callers.NewSubject()));
        notUpgraded.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await notUpgraded.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().ShouldBe(LiveApi.WebSocketRequired);
    }

    [Fact]
    public async Task ATicketOpensOneConnectionWithoutAnAuthorizationHeaderOnceAndNotAfterItExpires()
    {
        var hana = Callers.Customer(Callers.NewSubject("hana"));
        var ticket = await TicketAsync(hana);

        // Through the gateway, as a browser would: no Authorization header at all.
        await using (var socket = await LiveWebSocket.ConnectAsync(system.Gateway.WebSocketUri($"?ticket={ticket}"), bearer: null))
        {
            await socket.UntilReadyAsync();
            await LiveSystem.AcceptAsync(system.ReplicaB, LiveSystem.Credited(hana.Subject, 42));
            (await socket.NextAsync()).Frame!["amount"]!["amount"]!.GetValue<long>().ShouldBe(42);
        }

        var reused = await Should.ThrowAsync<LiveHandshakeRefused>(() => LiveWebSocket.ConnectAsync(system.Gateway.WebSocketUri($"?ticket={ticket}"), bearer: null));
        reused.Status.ShouldBe(HttpStatusCode.Unauthorized);

        var stale = await TicketAsync(hana);
        await ExpireTicketsOfAsync(hana.Subject);
        var (_, expired) = await LiveEventStream.OpenAsync(system.Gateway.Client.BaseAddress!, bearer: null, query: $"?ticket={stale}");
        expired.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await expired.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().ShouldBe(LiveCaller.TicketInvalid);

        var guessed = await Should.ThrowAsync<LiveHandshakeRefused>(() => LiveWebSocket.ConnectAsync(system.Gateway.WebSocketUri("?ticket=not-a-ticket"), bearer: null));
        guessed.Status.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task OneConnectionMoreThanTheLimitPerUserIs429()
    {
        var ivan = Callers.Customer(Callers.NewSubject("ivan"));
        var open = new List<LiveWebSocket>();
        try
        {
            for (var i = 0; i < LiveSystem.MaxConnectionsPerUser; i++)
            {
                var socket = await LiveWebSocket.ConnectAsync(system.Gateway.WebSocketUri(), ivan.Bearer());
                open.Add(socket);
                await socket.UntilReadyAsync();
            }
            var refused = await Should.ThrowAsync<LiveHandshakeRefused>(() => LiveWebSocket.ConnectAsync(system.Gateway.WebSocketUri(), ivan.Bearer()));
            refused.Status.ShouldBe(HttpStatusCode.TooManyRequests);
            var (_, stream) = await LiveEventStream.OpenAsync(system.Gateway.Client.BaseAddress!, ivan.Bearer());
            stream.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
            (await stream.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().ShouldBe(LiveApi.TooManyConnections);
        }
        finally
        {
            foreach (var socket in open)
            {
                await socket.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task TheConnectionIsClosedWithTokenExpiredWhenItsTokenExpires()
    {
        var subject = Callers.NewSubject("judy");
        var shortLived = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            TestTokens.Shared.Mint(subject, [LedgerX.ServiceDefaults.Auth.Permissions.NotificationsManage], expiresIn: TimeSpan.FromSeconds(10)));
        await using var socket = await LiveWebSocket.ConnectAsync(system.Gateway.WebSocketUri(), shortLived);
        await socket.UntilReadyAsync();

        var end = await socket.NextAsync();
        end.IsEnd.ShouldBeTrue();
        end.CloseStatus.ShouldBe(WebSocketCloseStatus.PolicyViolation);
        end.CloseReason.ShouldBe(LiveCloseReasons.TokenExpired);
    }

    private async Task<string> TicketAsync(Caller caller)
    {
        var response = await system.Gateway.Client.PostAsAsync($"{LiveApi.Prefix}/tickets", null, caller);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        body["expiresAt"]!.GetValue<DateTimeOffset>().ShouldBeGreaterThan(DateTimeOffset.UtcNow);
        return body["ticket"]!.GetValue<string>();
    }

    /// <summary>Moves the user's tickets' expiry into the past, as 30 s passing would.</summary>
    private async Task ExpireTicketsOfAsync(string userId)
    {
        await using var connection = new NpgsqlConnection(system.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("UPDATE live_tickets SET expires_at = now() - interval '1 second' WHERE user_id = @user", connection);
        command.Parameters.AddWithValue("user", userId);
        await command.ExecuteNonQueryAsync();
    }
}
