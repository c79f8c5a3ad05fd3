using System.Net.WebSockets;
using LedgerX.Notifications.Api.Intake;
using LedgerX.Notifications.Api.Live;
using LedgerX.Notifications.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Notifications.IntegrationTests.Live;

/// <summary>A user's own items reach their WebSocket and SSE connections through the gateway, from either replica, in
/// order, resumably, and nobody else's ever do.</summary>
[Collection(LiveSystemCollection.Name)]
public sealed class LiveFeedDelivery(LiveSystem system)
{
    [Fact]
    public async Task LiveWebSocketThroughTheGatewayGetsTheUsersOwnItemsAndNeverAnotherUsers()
    {
        var alice = Callers.Customer(Callers.NewSubject("alice"));
        var bob = Callers.Customer(Callers.NewSubject("bob"));
        await using var aliceSocket = await LiveWebSocket.ConnectAsync(system.Gateway.WebSocketUri(), alice.Bearer());
        await using var bobSocket = await LiveWebSocket.ConnectAsync(system.Gateway.WebSocketUri(), bob.Bearer());
        (await aliceSocket.UntilReadyAsync()).ShouldBeEmpty();
        (await bobSocket.UntilReadyAsync()).ShouldBeEmpty();

        var forBob = LiveSystem.Credited(bob.Subject, 700, "bob's");
        var forAlice = LiveSystem.Credited(alice.Subject, 2500, "alice's");
        await LiveSystem.AcceptAsync(system.ReplicaA, forBob);
        await LiveSystem.AcceptAsync(system.ReplicaA, forAlice);

        var frame = (await aliceSocket.NextAsync()).Frame!;
        frame["kind"]!.GetValue<string>().ShouldBe(UserEventKinds.TransactionCredited);
        frame["id"]!.GetValue<long>().ShouldBePositive();
        frame["accountId"]!.GetValue<Guid>().ShouldBe(forAlice.AccountId!.Value);
        frame["amount"]!["amount"]!.GetValue<long>().ShouldBe(2500);
        frame["amount"]!["currency"]!.GetValue<string>().ShouldBe("EUR");
        frame["data"]!["description"]!.GetValue<string>().ShouldBe("alice's");
        frame.ContainsKey("userId").ShouldBeFalse("a client gets its own items only; the user id says nothing new");
        (await bobSocket.NextAsync()).Frame!["data"]!["description"]!.GetValue<string>().ShouldBe("bob's");
        // Bob's item was stored first, so had it been sent to alice it would have arrived before hers.
        aliceSocket.HasNothingQueued().ShouldBeTrue();
        bobSocket.HasNothingQueued().ShouldBeTrue();
    }

    [Fact]
    public async Task EventStreamResumesAfterADisconnectWithExactlyTheMissedItems()
    {
        var carol = Callers.Customer(Callers.NewSubject("carol"));
        var (opened, _) = await LiveEventStream.OpenAsync(system.Gateway.Client.BaseAddress!, carol.Bearer());
        var first = opened.ShouldNotBeNull();
        long lastSeen;
        await using (first)
        {
            await first.UntilReadyAsync();
            await LiveSystem.AcceptAsync(system.ReplicaA, LiveSystem.Credited(carol.Subject, 1));
            var one = await first.NextAsync();
            one.SseId.ShouldBe(one.Id!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "the SSE id is the feed id");
            lastSeen = one.Id!.Value;
        }

        // Missed while away, one of them stored through the other replica.
        await LiveSystem.AcceptAsync(system.ReplicaA, LiveSystem.Credited(carol.Subject, 2));
        await LiveSystem.AcceptAsync(system.ReplicaB, LiveSystem.Credited(carol.Subject, 3));
        var (reopened, _) = await LiveEventStream.OpenAsync(system.Gateway.Client.BaseAddress!, carol.Bearer(), lastEventId: lastSeen.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var second = reopened.ShouldNotBeNull();
        await using (second)
        {
            var replayed = await second.UntilReadyAsync();
            replayed.Select(m => m.Frame!["amount"]!["amount"]!.GetValue<long>()).ShouldBe([2L, 3L]);
            replayed.Select(m => m.Id!.Value).ShouldBeInOrder();
            replayed.ShouldAllBe(m => m.Id > lastSeen);

            // Then live, with no duplicate of the replayed ones (the broadcast of items 2 and 3 may arrive late).
            await LiveSystem.AcceptAsync(system.ReplicaA, LiveSystem.Credited(carol.Subject, 4));
            var live = await second.NextAsync();
            live.Frame!["amount"]!["amount"]!.GetValue<long>().ShouldBe(4);
            live.Id!.Value.ShouldBeGreaterThan(replayed[^1].Id!.Value);
            second.HasNothingQueued().ShouldBeTrue();
        }
    }

    [Fact]
    public async Task WebSocketResumesWithTheLastEventIdParameter()
    {
        var dave = Callers.Customer(Callers.NewSubject("dave"));
        var items = new[] { LiveSystem.Credited(dave.Subject, 10), LiveSystem.Credited(dave.Subject, 20), LiveSystem.Credited(dave.Subject, 30) };
        foreach (var item in items)
        {
            await LiveSystem.AcceptAsync(system.ReplicaB, item);
        }
        await using var all = await LiveWebSocket.ConnectAsync(system.Gateway.WebSocketUri("?lastEventId=0"), dave.Bearer());
        var everything = await all.UntilReadyAsync();
        everything.Select(m => m.Frame!["amount"]!["amount"]!.GetValue<long>()).ShouldBe([10L, 20L, 30L]);

        await using var rest = await LiveWebSocket.ConnectAsync(system.Gateway.WebSocketUri($"?lastEventId={everything[0].Id}"), dave.Bearer());
        (await rest.UntilReadyAsync()).Select(m => m.Id).ShouldBe([everything[1].Id, everything[2].Id]);
    }

    [Fact]
    public async Task BothReplicasDeliverEveryItemBecauseThePubSubIsABroadcast()
    {
        var erin = Callers.Customer(Callers.NewSubject("erin"));
        // One connection on each replica: A through the gateway, B directly.
        await using var onA = await LiveWebSocket.ConnectAsync(system.Gateway.WebSocketUri(), erin.Bearer());
        var (onB, _) = await LiveEventStream.OpenAsync(system.ReplicaB.Client.BaseAddress!, erin.Bearer());
        await using var _b = onB!;
        await onA.UntilReadyAsync();
        await onB!.UntilReadyAsync();

        // Stored (and relayed) by either replica: both connections get both items.
        await LiveSystem.AcceptAsync(system.ReplicaB, LiveSystem.Credited(erin.Subject, 100));
        await LiveSystem.AcceptAsync(system.ReplicaA, LiveSystem.Credited(erin.Subject, 200));

        foreach (LiveClient client in new LiveClient[] { onA, onB })
        {
            var got = new[] { await client.NextAsync(), await client.NextAsync() };
            got.Select(m => m.Frame!["amount"]!["amount"]!.GetValue<long>()).ShouldBe([100L, 200L]);
        }
    }

    [Fact]
    public async Task ARedeliveredEventIsStoredAndPushedOnce()
    {
        var frank = Callers.Customer(Callers.NewSubject("frank"));
        await using var socket = await LiveWebSocket.ConnectAsync(system.Gateway.WebSocketUri(), frank.Bearer());
        await socket.UntilReadyAsync();
        var once = LiveSystem.Credited(frank.Subject, 5);

        await LiveSystem.AcceptAsync(system.ReplicaA, once);
        await LiveSystem.AcceptAsync(system.ReplicaB, once);
        await LiveSystem.AcceptAsync(system.ReplicaA, LiveSystem.Credited(frank.Subject, 6));

        (await socket.NextAsync()).Frame!["amount"]!["amount"]!.GetValue<long>().ShouldBe(5);
        (await socket.NextAsync()).Frame!["amount"]!["amount"]!.GetValue<long>().ShouldBe(6);
        await using var scope = system.ReplicaA.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LiveDbContext>();
        db.Feed.Count(f => f.UserId == frank.Subject).ShouldBe(2);
    }

    [Fact]
    public async Task AConsumerThatStopsReadingIsClosedAsASlowConsumer()
    {
        var gina = Callers.Customer(Callers.NewSubject("gina"));
        // Directly on the replica (its public live path needs no app token): one hop of socket buffers to fill.
        var uri = new Uri($"ws://127.0.0.1:{system.ReplicaA.Port}{LiveApi.Prefix}/ws");
        await using var socket = await LiveWebSocket.ConnectAsync(uri, gina.Bearer(), read: false);
        var hub = system.ReplicaA.Services.GetRequiredService<LiveHub>();
        await WaitForConnectionAsync(hub, gina.Subject);

        // Items far larger than the socket buffers can hold while nobody reads: the connection's queue of
        // BufferSize items fills, and the hub closes it rather than wait.
        var big = Enumerable.Range(0, 32).ToDictionary(i => $"f{i}", _ => new string('x', 4000));
        var offered = 0;
        for (long seq = 1; seq <= 400 && hub.Dispatch(Item(gina.Subject, seq, big)) > 0; seq++)
        {
            offered++;
        }

        socket.StartReading();
        var messages = new List<LiveMessage>();
        LiveMessage message;
        do
        {
            message = await socket.NextAsync();
            messages.Add(message);
        }
        while (!message.IsEnd);
        message.CloseStatus.ShouldBe(WebSocketCloseStatus.PolicyViolation);
        message.CloseReason.ShouldBe(LiveCloseReasons.SlowConsumer);
        messages.Count(m => m.Kind == UserEventKinds.TransactionCredited).ShouldBeLessThan(offered, "it was cut off before the end");
    }

    private static LiveFeedItem Item(string userId, long seq, IReadOnlyDictionary<string, string> data) => new(
        LiveFeedItem.Version, 1_000_000 + seq, userId, Guid.CreateVersion7(), UserEventKinds.TransactionCredited, DateTimeOffset.UtcNow,
        null, new LiveAmount(seq, "EUR"), data, Seq: seq);

    internal static async Task WaitForConnectionAsync(LiveHub hub, string userId)
    {
        var probe = new LiveFeedItem(LiveFeedItem.Version, null, userId, null, "test.probe", DateTimeOffset.UtcNow, null, null, null,
            Ephemeral: true, ExpiresAt: DateTimeOffset.UtcNow.AddYears(-1));
        var deadline = DateTime.UtcNow + LiveClient.Patience;
        // Dispatching an expired ephemeral item counts the user's connections without sending anything.
        while (hub.Dispatch(probe) == 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"{userId} never connected.");
            }
            await Task.Delay(50);
        }
    }
}
