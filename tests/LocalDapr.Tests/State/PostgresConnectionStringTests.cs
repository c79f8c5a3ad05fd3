using LedgerX.LocalDapr.State;
using Npgsql;

namespace LedgerX.LocalDapr.Tests.State;

public sealed class PostgresConnectionStringTests
{
    [Theory]
    [InlineData("host=localhost port=5432 user=postgres password=postgres database=postgres connect_timeout=10")]
    [InlineData("postgres://postgres:postgres@localhost:5432/postgres?connect_timeout=10")]
    [InlineData("Host=localhost;Port=5432;Username=postgres;Password=postgres;Database=postgres;Timeout=10")]
    public void Pgx_url_and_npgsql_forms_mean_the_same_server(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresConnectionString.ToNpgsql(connectionString));
        builder.Host.ShouldBe("localhost");
        builder.Port.ShouldBe(5432);
        builder.Username.ShouldBe("postgres");
        builder.Password.ShouldBe("postgres");
        builder.Database.ShouldBe("postgres");
        builder.Timeout.ShouldBe(10);
    }

    [Fact]
    public void Quoted_values_and_unknown_keys()
    {
        new NpgsqlConnectionStringBuilder(PostgresConnectionString.ToNpgsql("host=db password='a b\\'c'")).Password.ShouldBe("a b'c");
        Should.Throw<FormatException>(() => PostgresConnectionString.ToNpgsql("host=db frobnicate=1"));
    }

    /// <summary>daprd's pool (pgxpool via components-contrib's GetPgxPoolConfig): maxConns metadata above 1, else the
    /// string's pool_max_conns, else the greater of 4 and the CPU count; never Npgsql's 100, not even when an Npgsql-style
    /// string (the test servers') says so: that is not a setting daprd knows.</summary>
    [Theory]
    [InlineData("host=db user=u", null, -1)]
    [InlineData("postgres://u@db/ledger", null, -1)]
    [InlineData("Host=db;Username=u", null, -1)]
    [InlineData("host=db user=u", "1", -1)]
    [InlineData("host=db user=u", "12", 12)]
    [InlineData("host=db user=u pool_max_conns=7", null, 7)]
    [InlineData("postgres://u@db/ledger?pool_max_conns=7", "9", 9)]
    [InlineData("Host=db;Username=u;Maximum Pool Size=100", null, -1)]
    [InlineData("Host=db;Username=u;Maximum Pool Size=100", "30", 30)]
    public void The_pool_is_bounded_as_daprds_pgx_pool(string connectionString, string? maxConns, int expected)
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresConnectionString.ToNpgsqlPool(connectionString, maxConns));

        builder.MaxPoolSize.ShouldBe(expected == -1 ? Math.Max(4, Environment.ProcessorCount) : expected);
        builder.Host.ShouldBe("db");
    }

    [Fact]
    public void A_max_conns_that_is_not_a_number_is_refused() =>
        Should.Throw<FormatException>(() => PostgresConnectionString.ToNpgsqlPool("host=db", "many"));
}
