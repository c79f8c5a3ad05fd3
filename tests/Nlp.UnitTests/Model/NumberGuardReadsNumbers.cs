using LedgerX.Nlp.Domain.Model;

namespace LedgerX.Nlp.UnitTests.Model;

public sealed class NumberGuardReadsNumbers
{
    [Theory]
    [InlineData("1,234.50", "1234.5")]
    [InlineData("05", "5")]
    [InlineData("2026", "2026")]
    [InlineData("12,", "12")]
    [InlineData("0.00", "0")]
    public void NumbersCompareByValue(string raw, string canonical) => NumberGuard.Canonical(raw).ShouldBe(canonical);

    [Fact]
    public void EveryNumberOfATextIsRead()
    {
        NumberGuard.Numbers("1. REWE -1,234.56 EUR on 2026-05-03 (score 87).").ShouldBe(["1", "1234.56", "2026", "5", "3", "87"]);
        NumberGuard.Ungrounded("You spent 12.00 EUR, 3 times", new HashSet<string> { "12" }).ShouldBe(["3"]);
    }

    [Fact]
    public async Task StreamHoldsANumberUntilItIsCompleteAndChecked()
    {
        var written = new List<string>();
        var hasData = false;
        var stream = new GroundedStream(() => hasData, () => new HashSet<string> { "1234.56" }, (t, _) => { written.Add(t); return ValueTask.CompletedTask; });

        await stream.WriteAsync("Checking. ", CancellationToken.None);
        written.ShouldBeEmpty("nothing is streamed before a tool returned data");
        hasData = true;
        await stream.WriteAsync("You spent 1,2", CancellationToken.None);
        string.Concat(written).ShouldBe("Checking. You spent ");
        await stream.WriteAsync("34.56 EUR and 99", CancellationToken.None);
        string.Concat(written).ShouldBe("Checking. You spent 1,234.56 EUR and ");
        await stream.CompleteAsync(CancellationToken.None);
        stream.Ungrounded.ShouldBe(["99"]);
        string.Concat(written).ShouldNotContain("99");
        await stream.WriteAsync(" more", CancellationToken.None);
        string.Concat(written).ShouldBe("Checking. You spent 1,234.56 EUR and ", "a stopped stream writes nothing more");
    }
}
