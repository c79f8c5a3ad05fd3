using LedgerX.LocalDapr.Actors;

namespace LedgerX.LocalDapr.Tests.Actors;

/// <summary>The per-actor lock on its own: order, reentrancy, depth and cancellation.</summary>
public sealed class ActorTurnGateTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Turns_are_granted_one_at_a_time_in_arrival_order()
    {
        var gate = new ActorTurnGate();
        await gate.EnterAsync("a", reentrant: false, 32, Ct);
        var second = gate.EnterAsync("b", reentrant: false, 32, Ct);
        var third = gate.EnterAsync("c", reentrant: false, 32, Ct);

        second.IsCompleted.ShouldBeFalse();
        gate.Exit();
        await second.WaitAsync(TimeSpan.FromSeconds(1), Ct);
        third.IsCompleted.ShouldBeFalse();
        gate.Exit();
        await third.WaitAsync(TimeSpan.FromSeconds(1), Ct);
        gate.Exit();
        gate.Busy.ShouldBeFalse();
    }

    [Fact]
    public async Task The_holders_reentrancy_id_enters_at_once_up_to_the_stack_depth()
    {
        var gate = new ActorTurnGate();
        await gate.EnterAsync("chain", reentrant: true, 3, Ct);
        var outsider = gate.EnterAsync("other", reentrant: true, 3, Ct);

        await gate.EnterAsync("chain", reentrant: true, 3, Ct).WaitAsync(TimeSpan.FromSeconds(1), Ct);
        await gate.EnterAsync("chain", reentrant: true, 3, Ct).WaitAsync(TimeSpan.FromSeconds(1), Ct);
        await Should.ThrowAsync<ActorStackDepthException>(() => gate.EnterAsync("chain", reentrant: true, 3, Ct));

        gate.Exit();
        gate.Exit();
        outsider.IsCompleted.ShouldBeFalse();
        gate.Exit();
        await outsider.WaitAsync(TimeSpan.FromSeconds(1), Ct);
    }

    [Fact]
    public async Task A_cancelled_waiter_leaves_the_queue_and_the_next_one_gets_the_turn()
    {
        var gate = new ActorTurnGate();
        await gate.EnterAsync("a", reentrant: false, 32, Ct);
        using var giveUp = new CancellationTokenSource();
        var cancelled = gate.EnterAsync("b", reentrant: false, 32, giveUp.Token);
        var next = gate.EnterAsync("c", reentrant: false, 32, Ct);

        await giveUp.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => cancelled);
        gate.Exit();

        await next.WaitAsync(TimeSpan.FromSeconds(1), Ct);
        gate.TryEnterIdle("scan").ShouldBeFalse();
        gate.Exit();
        gate.TryEnterIdle("scan").ShouldBeTrue();
    }
}
