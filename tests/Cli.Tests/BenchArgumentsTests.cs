using System.CommandLine;
using LedgerX.Cli.Commands;
using LedgerX.Cli.Common;

namespace LedgerX.Cli.Tests;

public sealed class DurationParserTryParse
{
    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("500ms", 500)]
    [InlineData("1.5s", 1_500)]
    [InlineData("20", 20_000)]
    [InlineData(" 45S ", 45_000)]
    public void AcceptsNumbersWithUnits(string text, int expectedMs)
    {
        DurationParser.TryParse(text, out var duration, out var error).ShouldBeTrue(error);
        duration.ShouldBe(TimeSpan.FromMilliseconds(expectedMs));
    }

    [Theory]
    [InlineData("3x")]
    [InlineData("s")]
    [InlineData("10 s")]
    [InlineData("1m5")]
    [InlineData("thirty seconds")]
    [InlineData("-5s")]
    public void RefusesAnythingElseNamingTheAcceptedForms(string text)
    {
        DurationParser.TryParse(text, out _, out var error).ShouldBeFalse();
        error.ShouldNotBeNull().ShouldContain("30s");
    }

    [Fact]
    public void RefusesAnEmptyDuration() => DurationParser.TryParse("", out _, out _).ShouldBeFalse();

    [Fact]
    public void RefusesDurationsBeyondADay() => DurationParser.TryParse("25h", out _, out _).ShouldBeFalse();
}

public sealed class BenchCommandParse
{
    private static ParseResult Parse(string line) => new RootCommand { BenchCommand.Create() }.Parse(line);

    [Fact]
    public void ABadDurationIsAClearErrorNamingTheOptionAndTheAcceptedForms()
    {
        var errors = Parse("bench --duration 3x").Errors;

        var error = errors.ShouldHaveSingleItem().Message;
        error.ShouldContain("--duration");
        error.ShouldContain("'3x' is not a duration");
        error.ShouldContain("30s, 2m");
    }

    [Fact]
    public void ADurationTooShortToMeasureIsRefused() =>
        Parse("bench --duration 500ms").Errors.ShouldHaveSingleItem().Message.ShouldContain("must be between 1s and 60m");

    [Fact]
    public void ABadWarmupIsAClearError() =>
        Parse("bench --warmup soon").Errors.ShouldHaveSingleItem().Message.ShouldContain("--warmup: 'soon' is not a duration");

    [Fact]
    public void DefaultsAreTheIssuesBenchmark()
    {
        var result = Parse("bench");

        result.Errors.ShouldBeEmpty();
        result.GetValue<TimeSpan>("--duration").ShouldBe(TimeSpan.FromSeconds(30));
        result.GetValue<TimeSpan>("--warmup").ShouldBe(TimeSpan.FromSeconds(5));
        result.GetValue<int>("--accounts").ShouldBe(1000);
        result.GetValue<IReadOnlyList<int>>("--clients").ShouldBe([64]);
        result.GetValue<string>("--mode").ShouldBe("both");
        result.GetValue<long>("--amount").ShouldBe(1);
    }

    [Fact]
    public void AcceptsAListOfClientCountsAndDurationsWithUnits()
    {
        var result = Parse("bench --mode hot --clients 16,64,128 --duration 1m --warmup 0 --url http://127.0.0.1:5100");

        result.Errors.ShouldBeEmpty();
        result.GetValue<IReadOnlyList<int>>("--clients").ShouldBe([16, 64, 128]);
        result.GetValue<TimeSpan>("--duration").ShouldBe(TimeSpan.FromMinutes(1));
        result.GetValue<TimeSpan>("--warmup").ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void RepeatedClientListsRunOneAfterTheOther() =>
        Parse("bench --clients 16,64 --clients 128").GetValue<IReadOnlyList<int>>("--clients").ShouldBe([16, 64, 128]);

    [Fact]
    public void TakesAPinnedServiceBuildAndServiceSettings()
    {
        var result = Parse("bench --service-dll /tmp/build/LedgerX.Transactions.Api.dll --service-setting Ledger__MaxBatchSize=1000");

        result.Errors.ShouldBeEmpty();
        result.GetValue<string>("--service-dll").ShouldBe("/tmp/build/LedgerX.Transactions.Api.dll");
        result.GetValue<string[]>("--service-setting").ShouldBe(["Ledger__MaxBatchSize=1000"]);
    }

    [Theory]
    [InlineData("bench --clients 0", "--clients: '0'")]
    [InlineData("bench --clients 16,lots", "--clients: 'lots'")]
    [InlineData("bench --accounts 1", "--accounts: 1 is out of range")]
    [InlineData("bench --amount 0", "--amount: 0 is out of range")]
    [InlineData("bench --mode sideways", "sideways")]
    [InlineData("bench --service-setting NoEquals", "not KEY=VALUE")]
    public void RefusesOutOfRangeValuesByName(string line, string expected) =>
        Parse(line).Errors.ShouldHaveSingleItem().Message.ShouldContain(expected);
}

public sealed class ServiceUrlsResolve
{
    private static Func<string, string?> Env(params (string Key, string Value)[] values) =>
        key => values.FirstOrDefault(v => v.Key == key).Value;

    [Fact]
    public void PrefersTheExplicitUrl() =>
        ServiceUrls.Resolve("http://ledger:8080", Env(("LEDGERX_TRANSACTIONS_URL", "http://other"), ("DAPR_HTTP_PORT", "3500")))
            .ShouldBe(new Uri("http://ledger:8080/"));

    [Fact]
    public void ThenTheTransactionsUrlVariable() =>
        ServiceUrls.Resolve(null, Env(("LEDGERX_TRANSACTIONS_URL", "http://other:1234"), ("DAPR_HTTP_PORT", "3500")))
            .ShouldBe(new Uri("http://other:1234/"));

    [Fact]
    public void ThenDaprServiceInvocationThroughTheSidecar() =>
        ServiceUrls.Api(ServiceUrls.Resolve(null, Env(("DAPR_HTTP_PORT", "3500"))), "api/v1/ledger/verify")
            .ShouldBe(new Uri("http://127.0.0.1:3500/v1.0/invoke/transaction-service/method/api/v1/ledger/verify"));

    [Fact]
    public void ElseTheLocalDefault() =>
        ServiceUrls.Api(ServiceUrls.Resolve(null, Env()), "api/v1/ledger/verify").ShouldBe(new Uri("http://127.0.0.1:8080/api/v1/ledger/verify"));

    [Theory]
    [InlineData("ftp://ledger")]
    [InlineData("not a url")]
    public void RefusesWhatIsNotAnHttpUrl(string url) =>
        Should.Throw<ArgumentException>(() => ServiceUrls.Resolve(url, Env()));
}
