using System.ComponentModel.DataAnnotations;
using LedgerX.Transactions.Api;
using LedgerX.Transactions.Api.Ledger;
using Npgsql;

namespace LedgerX.Transactions.UnitTests.Options;

/// <summary>The ledger's connection gets timeouts and keepalives by default; an operator's connection string wins.</summary>
public class LedgerDatabaseTimeouts
{
    [Fact]
    public void AConnectionStringWithoutThem_GetsTheDefaults()
    {
        var built = new NpgsqlConnectionStringBuilder(LedgerDatabase.WithTimeouts("Host=db;Username=ledger", new LedgerDatabaseOptions()));

        (built.CommandTimeout, built.KeepAlive, built.MaxAutoPrepare).ShouldBe((30, 10, 64));
        built.Options.ShouldBe("-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3 -c tcp_user_timeout=30000");
    }

    [Fact]
    public void ValuesTheConnectionStringSets_Win()
    {
        var built = new NpgsqlConnectionStringBuilder(LedgerDatabase.WithTimeouts(
            "Host=db;CommandTimeout=5;keepalive=0;Max Auto Prepare=0;Options=-c tcp_user_timeout=1000", new LedgerDatabaseOptions { TcpUserTimeoutMs = 9000 }));

        (built.CommandTimeout, built.KeepAlive, built.MaxAutoPrepare).ShouldBe((5, 0, 0));
        // PostgreSQL applies startup options in order: the string's own come last, so they override the defaults.
        built.Options.ShouldStartWith("-c tcp_keepalives_idle=10");
        built.Options.ShouldEndWith("-c tcp_user_timeout=9000 -c tcp_user_timeout=1000");
    }

    [Theory]
    [InlineData(nameof(LedgerDatabaseOptions.LockTimeoutMs), 0)]
    [InlineData(nameof(LedgerDatabaseOptions.IdleInTransactionTimeoutMs), 0)]
    [InlineData(nameof(LedgerDatabaseOptions.StatementTimeoutMs), 700_000)]
    public void ATimeoutOutOfRange_IsRefused(string property, int value)
    {
        var options = new LedgerDatabaseOptions();
        typeof(LedgerDatabaseOptions).GetProperty(property)!.SetValue(options, value);

        var errors = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true).ShouldBeFalse();
        errors.ShouldHaveSingleItem().MemberNames.ShouldBe([property]);
    }
}
