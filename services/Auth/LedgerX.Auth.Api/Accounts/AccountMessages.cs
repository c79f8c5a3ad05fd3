using LedgerX.ServiceDefaults.Telemetry;
using System.Text.Json;
using LedgerX.Auth.Api.Persistence;

namespace LedgerX.Auth.Api.Accounts;

/// <summary>What a user must receive out of band: an email confirmation or a password reset token.</summary>
public sealed record AccountMessage(Guid EventId, DateTimeOffset OccurredAt, string Kind, Guid UserId, string Email, string Token)
{
    public const string Topic = "auth.account_message.v1";
    public const string ConfirmEmail = "confirm_email";
    public const string ResetPassword = "reset_password";
}

/// <summary>
/// Delivers account messages. notification-service does not exist yet, so the default writes them to the outbox as
/// auth.account_message.v1 for it (and, in Development, logs the token so a developer can use it). Replace this
/// registration to deliver some other way.
/// </summary>
public interface IAccountMessages
{
    /// <summary>Adds the message to the current unit of work (the caller saves).</summary>
    void Send(string kind, AuthUser user, string token);
}

public sealed partial class OutboxAccountMessages(AuthDbContext db, TimeProvider clock, IHostEnvironment environment, ILogger<OutboxAccountMessages> logger)
    : IAccountMessages
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Send(string kind, AuthUser user, string token)
    {
        var now = clock.GetUtcNow();
        var message = new AccountMessage(Guid.CreateVersion7(now), now, kind, user.Id, user.Email ?? "", token);
        db.Outbox.Add(new OutboxRow
        {
            EventId = message.EventId, Topic = AccountMessage.Topic, Payload = JsonSerializer.Serialize(message, Json),
            CreatedAt = now, NextAttemptAt = now, TraceParent = OutboxTrace.Current.TraceParent, TraceState = OutboxTrace.Current.TraceState,
        });
        if (environment.IsDevelopment())
        {
            LogToken(logger, kind, user.Email ?? "", token);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Development only: {Kind} token for {Email}: {Token}")]
    private static partial void LogToken(ILogger logger, string kind, string email, string token);
}
