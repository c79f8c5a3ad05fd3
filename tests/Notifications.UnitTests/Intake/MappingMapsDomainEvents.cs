using LedgerX.Notifications.Api.Intake;

namespace LedgerX.Notifications.UnitTests.Intake;

/// <summary>One UserEvent per user a domain event concerns, never one for a world account, and missing owners reported.</summary>
public sealed class MappingMapsDomainEvents
{
    private static readonly Guid Payer = Guid.NewGuid();
    private static readonly Guid Payee = Guid.NewGuid();
    private static readonly Guid PayeeSecond = Guid.NewGuid();
    private static readonly Guid World = Guid.NewGuid();
    private static readonly DateTimeOffset At = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static readonly Dictionary<Guid, AccountOwner> Owners = new()
    {
        [Payer] = new("ann", false), [Payee] = new("bob", false), [PayeeSecond] = new("ann", false), [World] = new("ledger", true),
    };

    private static TransactionPosted Posted(string kind, params PostedLine[] lines) => new(Guid.NewGuid(), At, Guid.NewGuid(), kind, "rent", lines);

    [Fact]
    public void ATransferDebitsThePayerAndCreditsThePayee()
    {
        var id = Guid.NewGuid();
        var mapping = UserEventMapping.Map(id, Posted("transfer", new PostedLine(Payer, "debit", 2500, "EUR", 7500), new PostedLine(Payee, "credit", 2500, "EUR", 2500)), Owners);
        mapping.MissingAccounts.ShouldBeEmpty();
        mapping.Events.Select(e => (e.UserId, e.Kind, e.AccountId)).ShouldBe(
            [("ann", UserEventKinds.TransactionDebited, (Guid?)Payer), ("bob", UserEventKinds.TransactionCredited, (Guid?)Payee)], ignoreOrder: true);
        mapping.Events.ShouldAllBe(e => e.EventId == id && e.Amount == new LedgerX.Notifications.Api.Money(2500, "EUR"));
        mapping.Events.Single(e => e.UserId == "ann").Data[UserEventData.Counterparty].ShouldBe(Payee.ToString());
        mapping.Events.Single(e => e.UserId == "ann").Data[UserEventData.BalanceAfter].ShouldBe("7500");
    }

    [Fact]
    public void ADepositNotifiesOnlyTheCustomerAndNamesTheWorldExternal()
    {
        var mapping = UserEventMapping.Map(Guid.NewGuid(), Posted("deposit", new PostedLine(World, "debit", 100, "EUR", null), new PostedLine(Payee, "credit", 100, "EUR", 100)), Owners);
        var only = mapping.Events.ShouldHaveSingleItem();
        only.UserId.ShouldBe("bob");
        only.Data[UserEventData.Counterparty].ShouldBe(UserEventData.ExternalCounterparty);
    }

    [Fact]
    public void AUserOnBothSidesGetsOneEvent()
    {
        var mapping = UserEventMapping.Map(Guid.NewGuid(), Posted("transfer", new PostedLine(Payer, "debit", 10, "EUR", 0), new PostedLine(PayeeSecond, "credit", 10, "EUR", 10)), Owners);
        mapping.Events.ShouldHaveSingleItem().Kind.ShouldBe(UserEventKinds.TransactionDebited);
    }

    [Fact]
    public void UnknownOwnersAreReportedAndNothingIsMapped()
    {
        var stranger = Guid.NewGuid();
        var mapping = UserEventMapping.Map(Guid.NewGuid(), Posted("transfer", new PostedLine(Payer, "debit", 10, "EUR", 0), new PostedLine(stranger, "credit", 10, "EUR", 10)), Owners);
        mapping.Events.ShouldBeEmpty();
        mapping.MissingAccounts.ShouldBe([stranger]);
    }

    [Fact]
    public void AReversalNotifiesBothParties()
    {
        var parties = new ReversalParties(Guid.NewGuid(), Guid.NewGuid(), Payer, Payee, new LedgerX.Notifications.Api.Money(300, "EUR"));
        var mapping = UserEventMapping.Map(Guid.NewGuid(), UserEventKinds.ReversalCompleted, At, parties, null, null, Owners);
        mapping.Events.Select(e => e.UserId).ShouldBe(["ann", "bob"], ignoreOrder: true);
    }

    [Theory]
    [InlineData("auth.sign_in.succeeded", "succeeded", UserEventKinds.SecurityNewSignIn)]
    [InlineData("auth.user.locked_out", "denied", UserEventKinds.SecuritySignInLockedOut)]
    [InlineData("auth.password.changed", "succeeded", UserEventKinds.SecurityPasswordChanged)]
    [InlineData("auth.two_factor.disabled", "succeeded", UserEventKinds.SecurityTwoFactorChanged)]
    [InlineData("auth.sign_in.failed", "failed", null)]
    [InlineData("auth.token.issued", "succeeded", null)]
    public void OnlyTheSecurityEventsAUserShouldHearAboutAreMapped(string action, string outcome, string? kind)
    {
        var audit = new AuditRecorded(Guid.NewGuid(), At, "auth-service", action, outcome, new AuditSubject("user", "ann"),
            new Dictionary<string, string> { ["ip"] = "192.0.2.1", ["password"] = "never" });
        var mapped = UserEventMapping.Map(Guid.NewGuid(), audit);
        mapped?.Kind.ShouldBe(kind);
        if (mapped is not null)
        {
            mapped.UserId.ShouldBe("ann");
            mapped.Data.ShouldContainKey("ip");
            mapped.Data.ShouldNotContainKey("password");
        }
    }

    [Fact]
    public void AnotherServicesAuditEventsAreNotMapped() =>
        UserEventMapping.Map(Guid.NewGuid(), new AuditRecorded(Guid.NewGuid(), At, "fraud-service", "auth.sign_in.succeeded", "succeeded",
            new AuditSubject("user", "ann"), null)).ShouldBeNull();
}
