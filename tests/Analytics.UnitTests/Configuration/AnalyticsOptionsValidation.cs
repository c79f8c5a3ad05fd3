using System.ComponentModel.DataAnnotations;
using LedgerX.Analytics.Api;

namespace LedgerX.Analytics.UnitTests.Configuration;

/// <summary>The tunables are bounded; a value outside its range stops the service at start (ValidateOnStart).</summary>
public sealed class AnalyticsOptionsValidation
{
    [Fact]
    public void TheDefaults_AreValid() => Errors(new AnalyticsOptions()).ShouldBeEmpty();

    [Theory]
    [InlineData(nameof(AnalyticsOptions.CacheTtlSeconds), 0)]
    [InlineData(nameof(AnalyticsOptions.RebuildPageSize), 0)]
    [InlineData(nameof(AnalyticsOptions.RebuildPageSize), 1001)]
    [InlineData(nameof(AnalyticsOptions.RebuildTimeoutSeconds), 0)]
    public void AValueOutOfRange_IsRefused_NamingTheOption(string option, int value)
    {
        var options = new AnalyticsOptions();
        typeof(AnalyticsOptions).GetProperty(option)!.SetValue(options, value);

        Errors(options).ShouldHaveSingleItem().MemberNames.ShouldBe([option]);
    }

    private static List<ValidationResult> Errors(AnalyticsOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
