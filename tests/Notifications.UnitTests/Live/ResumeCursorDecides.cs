using LedgerX.Notifications.Api.Live;
using Microsoft.Extensions.Time.Testing;

namespace LedgerX.Notifications.UnitTests.Live;

/// <summary>What a live connection does with each item the hub hands it: the next of the user's sequence is sent, one at
/// or below the cursor is a duplicate, one further ahead means some are missing (read them first).</summary>
public sealed class ResumeCursorDecides
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));

    private static LiveFeedItem Stored(long id, long seq) =>
        new(LiveFeedItem.Version, id, "u1", Guid.NewGuid(), "transaction.credited", Clock.GetUtcNow(), null, null, null, Seq: seq);

    private static LiveFeedItem Ephemeral(TimeSpan expiresIn) =>
        new(LiveFeedItem.Version, null, "u1", null, "nlp.answer_token", Clock.GetUtcNow(), null, null, null, Ephemeral: true,
            ExpiresAt: Clock.GetUtcNow() + expiresIn);

    [Fact]
    public void TheNextItemIsSentAndMovesTheCursor()
    {
        var cursor = new ResumeCursor(lastSentId: 40, lastSentSeq: 4, Clock);

        cursor.Decide(Stored(57, 5)).ShouldBe(CursorDecision.Send);
        cursor.Sent(Stored(57, 5));

        cursor.LastSentSeq.ShouldBe(5);
        cursor.LastSentId.ShouldBe(57);
    }

    [Fact]
    public void AnItemAtOrBelowTheCursorIsADuplicate()
    {
        var cursor = new ResumeCursor(57, 5, Clock);

        cursor.Decide(Stored(57, 5)).ShouldBe(CursorDecision.Drop);
        cursor.Decide(Stored(40, 4)).ShouldBe(CursorDecision.Drop);
    }

    [Fact]
    public void AnItemPastTheNextOneMeansSomeAreMissing()
    {
        var cursor = new ResumeCursor(57, 5, Clock);

        cursor.Decide(Stored(90, 7)).ShouldBe(CursorDecision.FillGap);
        cursor.LastSentSeq.ShouldBe(5, "deciding changes nothing; only what is sent moves the cursor");
    }

    [Fact]
    public void EphemeralItemsPassWhileFreshWithoutMovingTheCursor()
    {
        var cursor = new ResumeCursor(57, 5, Clock);

        cursor.Decide(Ephemeral(TimeSpan.FromSeconds(10))).ShouldBe(CursorDecision.Send);
        cursor.Sent(Ephemeral(TimeSpan.FromSeconds(10)));
        cursor.Decide(Ephemeral(TimeSpan.FromSeconds(-1))).ShouldBe(CursorDecision.Drop);
        cursor.LastSentSeq.ShouldBe(5);
    }

    [Fact]
    public void AnItemWithoutItsPlaceInTheSequenceIsIncomplete()
    {
        (Stored(1, 1) with { Seq = null }).IsComplete.ShouldBeFalse();
        (Stored(1, 1) with { Id = null }).IsComplete.ShouldBeFalse();
        Stored(1, 1).IsComplete.ShouldBeTrue();
        Ephemeral(TimeSpan.FromSeconds(5)).IsComplete.ShouldBeTrue();
        (Ephemeral(TimeSpan.FromSeconds(5)) with { Id = 3 }).IsComplete.ShouldBeFalse();
    }
}
