using System.ComponentModel.DataAnnotations;
using LedgerX.Transactions.Api.Reversals;

namespace LedgerX.Transactions.UnitTests.Options;

/// <summary>The saga's options fail the start of the service when they cannot work, not the first reversal.</summary>
public class ReversalOptionsValidation
{
    private static List<ValidationResult> Validate(ReversalOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void TheDefaultsAreValid() => Validate(new ReversalOptions()).ShouldBeEmpty();

    [Fact]
    public void TheRecoveryPolicyNeedsARecoveryAccount()
    {
        Validate(new ReversalOptions { ShortfallPolicy = ShortfallPolicy.PostToRecoveryAccount }).ShouldHaveSingleItem()
            .MemberNames.ShouldBe([nameof(ReversalOptions.RecoveryAccountId)]);
        Validate(new ReversalOptions { ShortfallPolicy = ShortfallPolicy.PostToRecoveryAccount, RecoveryAccountId = Guid.CreateVersion7() }).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(0, 1000L)]
    [InlineData(30, 10L)]
    public void RefusesAnEmptyWindowOrATooShortApprovalTimeout(int windowDays, long approvalTimeoutMs) =>
        Validate(new ReversalOptions { WindowDays = windowDays, ApprovalTimeoutMs = approvalTimeoutMs }).ShouldNotBeEmpty();

    [Fact]
    public void PerCurrencyThresholds_NeedAnIsoCodeAndAnAmountInRange()
    {
        Validate(new ReversalOptions { ApprovalThresholds = new() { ["KWD"] = 1_000_000, ["JPY"] = 0 } }).ShouldBeEmpty();
        Validate(new ReversalOptions { ApprovalThresholds = new() { ["EUD"] = 1_000 } }).ShouldHaveSingleItem().ErrorMessage!.ShouldContain("EUD");
        Validate(new ReversalOptions { ApprovalThresholds = new() { ["eur"] = 1_000 } }).ShouldHaveSingleItem();
        Validate(new ReversalOptions { ApprovalThresholds = new() { ["EUR"] = -1 } }).ShouldHaveSingleItem().MemberNames.ShouldBe([nameof(ReversalOptions.ApprovalThresholds)]);
    }

    [Fact]
    public void TheThresholdOfACurrency_IsItsOwnOrTheDefault()
    {
        var thresholds = new ReversalOptions { ApprovalThreshold = 500, ApprovalThresholds = new() { ["KWD"] = 7 } }.Thresholds();

        thresholds.For(LedgerX.Transactions.Domain.Currency.Parse("KWD")).ShouldBe(7);
        thresholds.For(LedgerX.Transactions.Domain.Currency.Parse("EUR")).ShouldBe(500);
    }
}
