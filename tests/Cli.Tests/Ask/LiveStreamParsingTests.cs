using LedgerX.Cli.Nlp;

namespace LedgerX.Cli.Tests.Ask;

public sealed class SseFrameParsing
{
    private static List<SseEvent> Feed(string stream)
    {
        var parser = new SseParser();
        return stream.Split('\n').Select(parser.Line).OfType<SseEvent>().ToList();
    }

    [Fact]
    public void EachBlankLineEndsOneEventAndCommentsAndRetryAreSkipped()
    {
        var events = Feed("retry: 2000\n\n: ping\n\nid: 41\ndata: {\"kind\":\"a\"}\n\ndata: {\"kind\":\"b\"}\n\n");

        events.Count.ShouldBe(2);
        events[0].ShouldBe(new SseEvent("message", "{\"kind\":\"a\"}", "41"));
        events[1].ShouldBe(new SseEvent("message", "{\"kind\":\"b\"}", "41"), "an event without id keeps the last one (ephemeral items have none)");
    }

    [Fact]
    public void DataLinesJoinWithNewlinesAndOnlyOneSpaceIsDropped()
    {
        var events = Feed("data:first\ndata:  second\n\n");

        events.ShouldHaveSingleItem().Data.ShouldBe("first\n second");
    }

    [Fact]
    public void ANamedEventCarriesItsTypeForThatEventOnly()
    {
        var events = Feed("event: close\ndata: {\"reason\":\"token_expired\"}\n\ndata: x\n\n");

        events[0].Type.ShouldBe("close");
        NlpLiveFrame.CloseReason(events[0].Data).ShouldBe("token_expired");
        events[1].Type.ShouldBe(SseParser.DefaultType);
    }

    [Fact]
    public void AnEventWithoutDataIsNoEventAndAnUnfinishedOneIsNotDispatched()
    {
        Feed("event: close\n\n").ShouldBeEmpty();
        Feed("data: half").ShouldBeEmpty();
    }

    [Fact]
    public void AnswerItemsGiveTheirQuestionPieceAndStatus()
    {
        var delta = NlpLiveFrame.Parse("""{"kind":"nlp.answer_delta","occurredAt":"2026-12-07T10:00:00Z","data":{"questionId":"0193a1f2-1111-7000-8000-000000000001","index":"3","text":"EUR "},"ephemeral":true}""");
        var done = NlpLiveFrame.Parse("""{"kind":"nlp.answer_completed","data":{"questionId":"0193a1f2-1111-7000-8000-000000000001","status":"refused"}}""");

        delta.ShouldBe(new NlpLiveFrame("nlp.answer_delta", Guid.Parse("0193a1f2-1111-7000-8000-000000000001"), 3, "EUR ", null));
        done!.Status.ShouldBe("refused");
    }

    [Theory]
    [InlineData("""{"id":7,"kind":"transaction.credited","data":{"entryId":"e"}}""", "transaction.credited")]
    [InlineData("""{"kind":"nlp.answer_delta","data":{"questionId":"nope","index":"-1"}}""", "nlp.answer_delta")]
    public void OtherItemsParseToTheirKindOnly(string json, string kind)
    {
        var frame = NlpLiveFrame.Parse(json)!;

        frame.Kind.ShouldBe(kind);
        frame.QuestionId.ShouldBeNull();
        frame.Index.ShouldBeNull();
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"kind":7}""")]
    public void AnythingElseIsNull(string json) => NlpLiveFrame.Parse(json).ShouldBeNull();
}

public sealed class AnswerPieces
{
    [Fact]
    public void PiecesArePrintedInIndexOrderAsSoonAsTheGapCloses()
    {
        var pieces = new DeltaAssembler();

        pieces.Accept(1, "b").ShouldBe("");
        pieces.Accept(2, "c").ShouldBe("");
        pieces.Accept(0, "a").ShouldBe("abc");
        pieces.Accept(3, "d").ShouldBe("d");
        pieces.Text.ShouldBe("abcd");
    }

    [Fact]
    public void ADuplicateDeliveryIsPrintedOnce()
    {
        var pieces = new DeltaAssembler();

        pieces.Accept(0, "a").ShouldBe("a");
        pieces.Accept(0, "a").ShouldBe("");
        pieces.Accept(2, "c");
        pieces.Accept(2, "c").ShouldBe("");
        pieces.Flush().ShouldBe("c");
        pieces.Text.ShouldBe("ac");
    }

    [Fact]
    public void ALostPieceDoesNotHoldTheRestBackAtCompletion()
    {
        var pieces = new DeltaAssembler();
        pieces.Accept(0, "You spent ");
        pieces.Accept(3, "(3 transactions).");
        pieces.Accept(2, "last month ");

        pieces.Flush().ShouldBe("last month (3 transactions).");
        pieces.Flush().ShouldBe("");
    }
}

public sealed class AnswerLatencyMatching
{
    private static readonly Guid Question = Guid.Parse("0193a1f2-1111-7000-8000-000000000001");

    [Fact]
    public void AnAnswerCompletedBeforeThe202IsReadStillCounts()
    {
        var matcher = new AnswerLatencyMatcher(10);

        matcher.Completed(Question, 2_000, "answered");
        matcher.Acknowledged(Question, 1_000, 3_000);

        matcher.CompletedCount.ShouldBe(1);
        matcher.Outstanding.ShouldBe(0);
        matcher.Statuses["answered"].ShouldBe(1);
    }

    [Fact]
    public void AnswersToQuestionsThisRunDidNotAskAreNotCountedAndAMissingOneIsOutstanding()
    {
        var matcher = new AnswerLatencyMatcher(10);

        matcher.Acknowledged(Question, 1_000, 2_000);
        matcher.Completed(Guid.CreateVersion7(), 3_000, "answered");
        matcher.Failed("HTTP 429 rate_limited");

        matcher.CompletedCount.ShouldBe(0);
        matcher.Outstanding.ShouldBe(1);
        matcher.Failures["HTTP 429 rate_limited"].ShouldBe(1);
    }
}
