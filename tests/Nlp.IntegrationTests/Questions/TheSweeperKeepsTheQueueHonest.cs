using LedgerX.Nlp.Api.Questions;
using LedgerX.Nlp.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LedgerX.Nlp.IntegrationTests.Questions;

/// <summary>The row is the queue's outbox: a question stored but never published (a crash between commit and publish, a
/// broker outage) is published by the sweeper and answered; a question no worker started in time expires.</summary>
[Collection(NlpServiceCollection.Name)]
public sealed class TheSweeperKeepsTheQueueHonest(NlpService service)
{
    [Fact]
    public async Task AQuestionWhosePublishWasLostIsPublishedAndAnswered()
    {
        var caller = Callers.Customer();
        var id = Guid.CreateVersion7();
        await InsertQueuedAsync(id, caller, askedAgo: TimeSpan.Zero, notBeforeIn: TimeSpan.Zero);

        var q = await service.App.Client.WaitForStatusAsync(caller, id, "answered");

        q["attempts"]!.GetValue<int>().ShouldBe(1);
        service.QueuedFor(id).ShouldNotBeEmpty();
    }

    [Fact]
    public async Task AQuestionNoWorkerStartedInTimeExpires()
    {
        var caller = Callers.Customer();
        var id = Guid.CreateVersion7();
        // Asked an hour ago (beyond Nlp:QueueTimeoutSeconds) and not due for another hour, so no worker claims it first.
        await InsertQueuedAsync(id, caller, askedAgo: TimeSpan.FromHours(1), notBeforeIn: TimeSpan.FromHours(1));

        var q = await service.App.Client.WaitForStatusAsync(caller, id, "expired");

        q["error"]!["code"]!.GetValue<string>().ShouldBe("queue_timeout");
        q["startedAt"].ShouldBeNull();
        await using var connection = new NpgsqlConnection(service.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT token_protected FROM questions WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", id);
        (await command.ExecuteScalarAsync()).ShouldBe(DBNull.Value);
    }

    /// <summary>A row as POST stores it (token encrypted by the service's own key ring), but never published.</summary>
    private async Task InsertQueuedAsync(Guid id, Caller caller, TimeSpan askedAgo, TimeSpan notBeforeIn)
    {
        var sealedToken = service.App.Services.GetRequiredService<RelayedTokens>().Protect(caller.Token);
        await using var connection = new NpgsqlConnection(service.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO questions (id, user_id, text, language, time_zone, status, asked_at, not_before, attempts, token_protected, token_expires_at)
            VALUES (@id, @user, @text, 'en', 'UTC', 'queued', now() - @ago, now() + @due, 0, @token, now() + interval '1 hour')
            """, connection);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("user", caller.Subject);
        command.Parameters.AddWithValue("text", ScriptedAnswerer.GroceriesQuestion);
        command.Parameters.AddWithValue("ago", askedAgo);
        command.Parameters.AddWithValue("due", notBeforeIn);
        command.Parameters.AddWithValue("token", sealedToken);
        (await command.ExecuteNonQueryAsync()).ShouldBe(1);
    }
}
