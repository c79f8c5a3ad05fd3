using LedgerX.Analytics.Api.Apis;

namespace LedgerX.Analytics.UnitTests.Api;

public sealed class QueryInputParsing
{
    private static readonly DateOnly Today = new(2026, 11, 28);

    [Fact]
    public void NoRange_MeansTheLastDaysUpToToday()
    {
        var input = new QueryInput();

        input.DayRange(null, null, Today, 30, 366).ShouldBe((new DateOnly(2026, 10, 30), Today));
        input.IsValid.ShouldBeTrue();
    }

    [Theory]
    [InlineData("2026-13-01", null, "from")]
    [InlineData("28/11/2026", null, "from")]
    [InlineData(null, "yesterday", "to")]
    [InlineData("2026-11-28", "2026-11-01", "from")]
    [InlineData("2024-01-01", "2026-01-01", "to")]
    public void ABadRange_NamesTheFieldAtFault(string? from, string? to, string field)
    {
        var input = new QueryInput();

        input.DayRange(from, to, Today, 30, 366);

        input.IsValid.ShouldBeFalse();
        input.Problem().ProblemDetails.Errors.Keys.ShouldBe([field]);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("501")]
    [InlineData("-1")]
    [InlineData("ten")]
    public void ALimitOutOfBounds_IsRefused(string limit)
    {
        var input = new QueryInput();

        input.Limit(limit, 100, 500);

        input.Problem().ProblemDetails.Errors.Keys.ShouldBe(["limit"]);
    }

    [Fact]
    public void AnAccountIdThatIsNotAUuid_IsRefused()
    {
        var input = new QueryInput();

        input.AccountId("acc-1");

        input.Problem().ProblemDetails.Errors.Keys.ShouldBe(["accountId"]);
    }

    [Theory]
    [InlineData("eur")]
    [InlineData("EURO")]
    public void ACurrencyThatIsNotAnUpperCaseCode_IsRefused(string currency)
    {
        var input = new QueryInput();

        input.Currency(currency).ShouldBeNull();

        input.IsValid.ShouldBeFalse();
    }
}
