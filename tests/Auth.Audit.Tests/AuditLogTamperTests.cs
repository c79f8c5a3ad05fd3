using LedgerX.Auth.Audit.Chain;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static LedgerX.Auth.Audit.Tests.AuditEvents;

namespace LedgerX.Auth.Audit.Tests;

/// <summary>
/// Tampering, each test on a fresh log of five records: the triggers refuse changes even to the owner, and whoever
/// switches them off (the owner can) is caught by verify, which names the first broken record and why.
/// </summary>
public sealed class AuditLogTamperTests : IAsyncLifetime
{
    private readonly AuditLogHost _host = new();

    public async ValueTask InitializeAsync()
    {
        await _host.InitializeAsync();
        await using var scope = _host.Services.CreateAsyncScope();
        var appender = scope.ServiceProvider.GetRequiredService<AuditLogAppender>();
        for (var i = 1; i <= 5; i++)
        {
            var e = Event($"user-{i}", AuditActions.SignInFailed, AuditOutcomes.Failed, details: new Dictionary<string, string> { ["attempt"] = $"{i}" });
            (await appender.AppendAsync(e, TestContext.Current.CancellationToken)).Sequence.ShouldBe(i);
        }
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Theory]
    [InlineData("UPDATE audit.records SET action = 'auth.sign_in.succeeded' WHERE sequence = 3")]
    [InlineData("DELETE FROM audit.records WHERE sequence = 3")]
    [InlineData("TRUNCATE audit.records")]
    public async Task TheTriggers_RefuseChangingHistory_EvenToTheOwner(string sql)
    {
        var refused = await Should.ThrowAsync<PostgresException>(() => _host.ExecuteAsOwnerAsync(sql));

        refused.SqlState.ShouldBe(PostgresErrorCodes.InsufficientPrivilege);
        (await _host.Auditor.VerifyAsync()).Ok.ShouldBeTrue();
    }

    [Fact]
    public async Task AnIntactLog_VerifiesOk_WithItsHead()
    {
        var report = await _host.Auditor.VerifyAsync();

        report.Ok.ShouldBeTrue();
        report.Count.ShouldBe(5);
        report.HeadSequence.ShouldBe(5);
        report.HeadHash.ShouldBe((await _host.Auditor.PageAsync("limit=5")).Items[4].Hash);
    }

    [Fact]
    public async Task AChangedAction_IsAHashMismatch_AtThatRecord()
    {
        await WithoutTriggersAsync("UPDATE audit.records SET action = 'auth.sign_in.succeeded', outcome = 'succeeded' WHERE sequence = 3");

        var report = await _host.Auditor.VerifyAsync();

        report.Ok.ShouldBeFalse();
        report.FirstBreak.ShouldNotBeNull().Sequence.ShouldBe(3);
        report.FirstBreak.Reason.ShouldBe("hash_mismatch");
        report.Count.ShouldBe(2);
    }

    [Fact]
    public async Task AChangedDetail_IsAHashMismatch_AtThatRecord()
    {
        await WithoutTriggersAsync("""UPDATE audit.records SET details = '{"attempt": "1"}' WHERE sequence = 4""");

        var report = await _host.Auditor.VerifyAsync();

        report.FirstBreak.ShouldNotBeNull().Sequence.ShouldBe(4);
        report.FirstBreak.Reason.ShouldBe("hash_mismatch");
    }

    [Fact]
    public async Task ADeletedRecord_IsASequenceGap_AtTheMissingSequence()
    {
        await WithoutTriggersAsync("DELETE FROM audit.records WHERE sequence = 2");

        var report = await _host.Auditor.VerifyAsync();

        report.Ok.ShouldBeFalse();
        report.FirstBreak.ShouldNotBeNull().Sequence.ShouldBe(2);
        report.FirstBreak.Reason.ShouldBe("sequence_gap");
    }

    [Fact]
    public async Task ARecordRehashedInPlace_BreaksTheLinkOfTheNext()
    {
        // A tamperer who recomputes one record's own hash still cannot make its successor point at it.
        await WithoutTriggersAsync("UPDATE audit.records SET hash = sha256(hash) WHERE sequence = 2");

        var report = await _host.Auditor.VerifyAsync();

        report.FirstBreak.ShouldNotBeNull().Sequence.ShouldBe(2);
        report.FirstBreak.Reason.ShouldBe("hash_mismatch");
    }

    [Fact]
    public async Task ADeletedLastRecord_IsAHeadMismatch()
    {
        await WithoutTriggersAsync("DELETE FROM audit.records WHERE sequence = 5");

        var report = await _host.Auditor.VerifyAsync();

        report.FirstBreak.ShouldNotBeNull().Reason.ShouldBe("head_mismatch");
        report.FirstBreak.Sequence.ShouldBe(5);
        report.Count.ShouldBe(4);
    }

    [Fact]
    public async Task ABrokenVerification_IsAuditedWithWhatItFound()
    {
        await WithoutTriggersAsync("DELETE FROM audit.records WHERE sequence = 2");
        using var auditor = _host.Client(AuditLogHost.Token("auditor-7", Permissions.AuditRead));

        await auditor.VerifyAsync();

        var own = (await auditor.PageAsync($"actorId=auditor-7&action={AuditActions.AuditLogVerified}")).Items.ShouldHaveSingleItem();
        own.Details.ShouldNotBeNull()["result"].ShouldBe("broken");
        own.Details["brokenSequence"].ShouldBe("2");
        own.Details["reason"].ShouldBe("sequence_gap");
    }

    private Task WithoutTriggersAsync(string sql) => _host.ExecuteAsOwnerAsync(
        $"ALTER TABLE audit.records DISABLE TRIGGER USER; {sql}; ALTER TABLE audit.records ENABLE TRIGGER USER;");
}
