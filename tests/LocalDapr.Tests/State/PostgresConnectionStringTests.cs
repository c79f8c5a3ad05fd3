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
}
