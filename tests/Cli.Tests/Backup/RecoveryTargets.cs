using LedgerX.Cli.Backup;
using Shouldly;

namespace LedgerX.Cli.Tests.Backup;

/// <summary>What <c>ledgerx restore --target</c> accepts and the recovery settings it writes; which base backup it picks.</summary>
public sealed class RecoveryTargets
{
    private const string Archive = "/srv/wal-archive";

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("latest")]
    [InlineData("LATEST")]
    public void NoTargetOrLatestMeansTheEndOfTheArchive(string? text) => RecoveryTarget.Parse(text).ShouldBeOfType<RecoveryTarget.EndOfArchive>();

    [Fact]
    public void ATimeIsReadAsUtcUnlessItSaysOtherwise()
    {
        RecoveryTarget.Parse("2026-12-07T18:50:00Z").ShouldBe(new RecoveryTarget.BeforeTime(new DateTimeOffset(2026, 12, 7, 18, 50, 0, TimeSpan.Zero)));
        RecoveryTarget.Parse("2026-12-07 19:50:00+01:00").ShouldBe(new RecoveryTarget.BeforeTime(new DateTimeOffset(2026, 12, 7, 18, 50, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void ATransactionIdIsWrittenXidColonN() => RecoveryTarget.Parse("xid:726").ShouldBe(new RecoveryTarget.BeforeTransaction(726));

    [Theory]
    [InlineData("yesterday")]
    [InlineData("xid:-1")]
    [InlineData("xid:")]
    public void AnythingElseIsRefusedWithTheAcceptedForms(string text) =>
        Should.Throw<ArgumentException>(() => RecoveryTarget.Parse(text)).Message.ShouldContain("xid:N");

    [Fact]
    public void EveryTargetSettingIsWrittenSoABackupsOldOnesCannotWin()
    {
        var settings = new RecoveryTarget.BeforeTransaction(726).Settings(Archive);
        settings.ShouldContain($"restore_command = 'cp {Archive}/%f %p'");
        settings.ShouldContain("recovery_target_xid = '726'");
        settings.ShouldContain("recovery_target_time = ''");
        settings.ShouldContain("recovery_target_inclusive = off");
        settings.ShouldContain("recovery_target_action = 'promote'");
        RecoveryTarget.Latest.Settings(Archive).ShouldContain("recovery_target_xid = ''");
    }

    [Fact]
    public void ATimeTargetIsWrittenInUtc() =>
        new RecoveryTarget.BeforeTime(new DateTimeOffset(2026, 12, 7, 19, 50, 0, 250, TimeSpan.FromHours(1))).Settings(Archive)
            .ShouldContain("recovery_target_time = '2026-12-07 18:50:00.250000+00'");

    [Fact]
    public void TheBackupLabelNamesTheFirstWalFileTheRestoreNeeds()
    {
        BaseBackup.StartWalFile("START WAL LOCATION: 0/3000028 (file 000000010000000000000003)\nCHECKPOINT LOCATION: 0/3000060\n")
            .ShouldBe("000000010000000000000003");
        BaseBackup.StartWalFile("LABEL: something else").ShouldBeNull();
    }

    [Fact]
    public void TheRestoreTakesTheNewestBackupThatStartedBeforeTheTarget()
    {
        var backups = Directory.CreateTempSubdirectory("ledgerx-backups-").FullName;
        try
        {
            foreach (var name in new[] { "base-20261207T100000Z", "base-20261207T120000Z", "base-20261207T140000Z" })
            {
                Directory.CreateDirectory(Path.Combine(backups, name));
                File.WriteAllText(Path.Combine(backups, name, BaseBackup.ManifestFile), "{}");
            }

            // An unfinished copy (no manifest) is never chosen.
            Directory.CreateDirectory(Path.Combine(backups, "base-20261207T150000Z"));
            Path.GetFileName(PointInTimeRestore.ChooseBackup(backups, RecoveryTarget.Latest)).ShouldBe("base-20261207T140000Z");
            Path.GetFileName(PointInTimeRestore.ChooseBackup(backups, RecoveryTarget.Parse("2026-12-07T13:00:00Z"))).ShouldBe("base-20261207T120000Z");
            PointInTimeRestore.ChooseBackup(backups, RecoveryTarget.Parse("2026-12-07T09:00:00Z")).ShouldBeNull();
        }
        finally
        {
            Directory.Delete(backups, recursive: true);
        }
    }
}
