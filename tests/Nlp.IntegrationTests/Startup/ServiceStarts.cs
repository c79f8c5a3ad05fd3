using System.Net;
using LedgerX.Nlp.IntegrationTests.Infrastructure;
using Npgsql;

namespace LedgerX.Nlp.IntegrationTests.Startup;

/// <summary>The service starts on an empty database, migrates it and answers as ready with its sidecar.</summary>
[Collection(NlpServiceCollection.Name)]
public sealed class ServiceStarts(NlpService service)
{
    [Fact]
    public async Task IsReadyWithItsDatabaseAndSidecar()
    {
        var response = await service.App.Client.GetAsync("/readyz");
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ServesItsOpenApiDocument()
    {
        var response = await service.App.Client.GetAsync("/openapi/v1.json");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldContain("LedgerX nlp-service");
    }

    /// <summary>The migrations are recorded in the module's own history table, none in EF Core's default one.</summary>
    [Fact]
    public async Task RecordsMigrationsInTheQuestionsHistory()
    {
        await using var connection = new NpgsqlConnection(service.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(array_agg(table_name::text ORDER BY table_name), '{}') FROM information_schema.tables WHERE table_name LIKE '\\_\\_ef%'", connection);
        var tables = (string[])(await command.ExecuteScalarAsync())!;
        tables.ShouldBe(["__ef_migrations_questions"]);
    }
}
