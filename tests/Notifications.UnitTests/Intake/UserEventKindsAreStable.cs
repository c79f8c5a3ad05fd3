using LedgerX.Notifications.Api.Intake;

namespace LedgerX.Notifications.UnitTests.Intake;

/// <summary>Kinds are what preferences, templates, webhook subscriptions and live clients store: each listed once, each
/// lowercase dotted, and the security ones recognised as such (never deferred).</summary>
public sealed class UserEventKindsAreStable
{
    [Fact]
    public void EveryKindIsListedOnce()
    {
        var declared = typeof(UserEventKinds).GetFields()
            .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!).ToList();
        UserEventKinds.All.ShouldBe(declared, ignoreOrder: true);
        UserEventKinds.All.Distinct().Count().ShouldBe(UserEventKinds.All.Count);
    }

    [Fact]
    public void KindsAreLowercaseDottedNames() =>
        UserEventKinds.All.ShouldAllBe(k => System.Text.RegularExpressions.Regex.IsMatch(k, "^[a-z]+(_[a-z]+)*\\.[a-z]+(_[a-z]+)*$"));

    [Theory]
    [InlineData(UserEventKinds.SecurityPasswordReset, true)]
    [InlineData(UserEventKinds.SecurityNewSignIn, true)]
    [InlineData(UserEventKinds.TransactionCredited, false)]
    [InlineData(UserEventKinds.FraudFlagged, false)]
    public void SecurityKindsAreRecognised(string kind, bool security) => UserEventKinds.IsSecurity(kind).ShouldBe(security);
}
