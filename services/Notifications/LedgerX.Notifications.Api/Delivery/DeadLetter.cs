namespace LedgerX.Notifications.Api.Delivery;

/// <summary>A send given up after its last attempt: which channel, to whom, for which domain event, and why.</summary>
public sealed record DeadLetter(Guid Id, string Channel, string UserId, Guid EventId, string Reason, int Attempts, DateTimeOffset DeadAt);

/// <summary>
/// Each delivery module (channels, webhooks) exposes its dead letters; the operator API lists and replays them all.
/// Register as scoped (<c>builder.Services.AddScoped&lt;IDeadLetterSource, MySource&gt;()</c>); <see cref="Channel"/> is
/// unique among the sources and is the <c>{channel}</c> of the replay route.
/// </summary>
public interface IDeadLetterSource
{
    string Channel { get; }

    /// <summary>The newest dead letters first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<DeadLetter>> ListAsync(int limit, CancellationToken ct);

    /// <summary>Schedules the dead send again with fresh attempts; false if <paramref name="id"/> is not a dead letter of
    /// this source (unknown, or already replayed).</summary>
    Task<bool> ReplayAsync(Guid id, CancellationToken ct);
}
