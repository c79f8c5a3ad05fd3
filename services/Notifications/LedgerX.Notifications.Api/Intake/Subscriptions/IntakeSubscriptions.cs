using Dapr;
using LedgerX.Notifications.Api.Events;
using LedgerX.Notifications.Api.Intake;

namespace LedgerX.Notifications.Api.Intake.Subscriptions;

/// <summary>
/// The Dapr subscriptions of intake, mapped like endpoints (one route per topic, each with the service's dead-letter
/// topic). Handlers are small and alike (read, check processed, look owners up, map, deliver), so they live together
/// here rather than one file each; the mapping itself is <see cref="UserEventMapping"/>.
/// </summary>
public static class IntakeSubscriptions
{
    public const string RoutePrefix = "/events/";

    public static IEndpointRouteBuilder MapIntakeSubscriptions(this IEndpointRouteBuilder app)
    {
        Subscribe(app, Topics.AccountOpened, AccountOpenedAsync);
        Subscribe(app, Topics.TransactionPosted, TransactionPostedAsync);
        Subscribe(app, Topics.HoldCreated, (r, i, p, ct) => HoldAsync(r, i, p, Topics.HoldCreated, UserEventKinds.HoldCreated, ct));
        Subscribe(app, Topics.HoldPosted, (r, i, p, ct) => HoldAsync(r, i, p, Topics.HoldPosted, UserEventKinds.HoldPosted, ct));
        Subscribe(app, Topics.HoldVoided, (r, i, p, ct) => HoldAsync(r, i, p, Topics.HoldVoided, UserEventKinds.HoldVoided, ct));
        Subscribe(app, Topics.HoldExpired, (r, i, p, ct) => HoldAsync(r, i, p, Topics.HoldExpired, UserEventKinds.HoldExpired, ct));
        Subscribe(app, Topics.ReversalRequested, ReversalRequestedAsync);
        Subscribe(app, Topics.ReversalCompleted, (r, i, p, ct) => ReversalEndedAsync(r, i, p, Topics.ReversalCompleted, UserEventKinds.ReversalCompleted, ct));
        Subscribe(app, Topics.ReversalFailed, (r, i, p, ct) => ReversalEndedAsync(r, i, p, Topics.ReversalFailed, UserEventKinds.ReversalFailed, ct));
        Subscribe(app, Topics.AccountFrozen, (r, i, p, ct) => FreezeAsync(r, i, p, Topics.AccountFrozen, UserEventKinds.AccountFrozen, ct));
        Subscribe(app, Topics.AccountUnfrozen, (r, i, p, ct) => FreezeAsync(r, i, p, Topics.AccountUnfrozen, UserEventKinds.AccountUnfrozen, ct));
        Subscribe(app, Topics.FraudFlagged, FraudFlaggedAsync);
        Subscribe(app, Topics.AuthAccountMessage, AccountMessageAsync);
        Subscribe(app, Topics.AuthUserContact, UserContactAsync);
        Subscribe(app, Topics.AuditRecorded, AuditRecordedAsync);
        return app;
    }

    /// <summary>The route of a topic's subscription: <c>/events/{topic}</c>.</summary>
    public static string Route(string topic) => RoutePrefix + topic;

    private static void Subscribe(IEndpointRouteBuilder app, string topic, Func<HttpRequest, IntakePipeline, Projections, CancellationToken, Task<IResult>> handler) =>
        app.MapPost(Route(topic), handler)
            .WithTopic(new TopicOptions { PubsubName = Components.PubSub, Name = topic, DeadLetterTopic = Topics.DeadLetters })
            .ExcludeFromDescription();

    private static async Task<IResult> AccountOpenedAsync(HttpRequest request, IntakePipeline intake, Projections projections, CancellationToken ct)
    {
        if (await IntakePipeline.ReadAsync<AccountOpened>(request, ct) is not { IsComplete: true } e)
        {
            return intake.Malformed(Topics.AccountOpened);
        }
        var id = IntakePipeline.EventId(request, e.EventId!.Value);
        await projections.RecordOwnerAsync(e, ct);
        return await intake.CompleteAsync(id, Topics.AccountOpened, ct);
    }

    private static async Task<IResult> TransactionPostedAsync(HttpRequest request, IntakePipeline intake, Projections projections, CancellationToken ct)
    {
        if (await IntakePipeline.ReadAsync<TransactionPosted>(request, ct) is not { IsComplete: true } e)
        {
            return intake.Malformed(Topics.TransactionPosted);
        }
        var id = IntakePipeline.EventId(request, e.EventId!.Value);
        if (await intake.AlreadyProcessedAsync(id, ct))
        {
            return IntakePipeline.Success;
        }
        var owners = await projections.OwnersAsync(UserEventMapping.AccountsOf(e), ct);
        return await intake.DeliverAsync(id, Topics.TransactionPosted, UserEventMapping.Map(id, e, owners), ct);
    }

    private static async Task<IResult> HoldAsync(HttpRequest request, IntakePipeline intake, Projections projections, string topic, string kind, CancellationToken ct)
    {
        if (await IntakePipeline.ReadAsync<HoldEvent>(request, ct) is not { IsComplete: true } e)
        {
            return intake.Malformed(topic);
        }
        var id = IntakePipeline.EventId(request, e.EventId!.Value);
        if (await intake.AlreadyProcessedAsync(id, ct))
        {
            return IntakePipeline.Success;
        }
        return await intake.DeliverAsync(id, topic, UserEventMapping.Map(id, kind, e, await projections.OwnerAsync(e.AccountId!.Value, ct)), ct);
    }

    private static async Task<IResult> ReversalRequestedAsync(HttpRequest request, IntakePipeline intake, Projections projections, CancellationToken ct)
    {
        if (await IntakePipeline.ReadAsync<ReversalRequested>(request, ct) is not { IsComplete: true } e)
        {
            return intake.Malformed(Topics.ReversalRequested);
        }
        var id = IntakePipeline.EventId(request, e.EventId!.Value);
        if (await intake.AlreadyProcessedAsync(id, ct))
        {
            return IntakePipeline.Success;
        }
        await projections.RecordReversalAsync(e, ct);
        var parties = new ReversalParties(e.ReversalId!.Value, e.EntryId!.Value, e.AccountId!.Value, e.CounterpartyAccountId!.Value,
            new Money(e.Amount!.Value, e.Currency!));
        var owners = await projections.OwnersAsync([parties.AccountId, parties.CounterpartyAccountId], ct);
        return await intake.DeliverAsync(id, Topics.ReversalRequested,
            UserEventMapping.Map(id, UserEventKinds.ReversalRequested, e.OccurredAt!.Value, parties, null, e.Reason, owners), ct);
    }

    private static async Task<IResult> ReversalEndedAsync(
        HttpRequest request, IntakePipeline intake, Projections projections, string topic, string kind, CancellationToken ct)
    {
        if (await IntakePipeline.ReadAsync<ReversalEnded>(request, ct) is not { IsComplete: true } e)
        {
            return intake.Malformed(topic);
        }
        var id = IntakePipeline.EventId(request, e.EventId!.Value);
        if (await intake.AlreadyProcessedAsync(id, ct))
        {
            return IntakePipeline.Success;
        }
        if (await projections.ReversalAsync(e.ReversalId!.Value, ct) is not { } parties)
        {
            return await intake.WaitAsync(id, topic, $"parties of reversal {e.ReversalId}", ct);
        }
        var amount = e.Amount is { } a && !string.IsNullOrEmpty(e.Currency) ? new Money(a, e.Currency) : null;
        var owners = await projections.OwnersAsync([parties.AccountId, parties.CounterpartyAccountId], ct);
        return await intake.DeliverAsync(id, topic, UserEventMapping.Map(id, kind, e.OccurredAt!.Value, parties, amount, e.Reason, owners), ct);
    }

    private static async Task<IResult> FreezeAsync(HttpRequest request, IntakePipeline intake, Projections projections, string topic, string kind, CancellationToken ct)
    {
        if (await IntakePipeline.ReadAsync<AccountFreezeChanged>(request, ct) is not { IsComplete: true } e)
        {
            return intake.Malformed(topic);
        }
        var id = IntakePipeline.EventId(request, e.EventId!.Value);
        if (await intake.AlreadyProcessedAsync(id, ct))
        {
            return IntakePipeline.Success;
        }
        return await intake.DeliverAsync(id, topic, UserEventMapping.Map(id, kind, e, await projections.OwnerAsync(e.AccountId!.Value, ct)), ct);
    }

    private static async Task<IResult> FraudFlaggedAsync(HttpRequest request, IntakePipeline intake, Projections projections, CancellationToken ct)
    {
        if (await IntakePipeline.ReadAsync<FraudFlagged>(request, ct) is not { IsComplete: true } e)
        {
            return intake.Malformed(Topics.FraudFlagged);
        }
        var id = IntakePipeline.EventId(request, e.EventId!.Value);
        if (await intake.AlreadyProcessedAsync(id, ct))
        {
            return IntakePipeline.Success;
        }
        return await intake.DeliverAsync(id, Topics.FraudFlagged, UserEventMapping.Map(id, e, await projections.OwnerAsync(e.AccountId!.Value, ct)), ct);
    }

    private static async Task<IResult> AccountMessageAsync(HttpRequest request, IntakePipeline intake, Projections projections, CancellationToken ct)
    {
        if (await IntakePipeline.ReadAsync<AccountMessage>(request, ct) is not { IsComplete: true } e)
        {
            return intake.Malformed(Topics.AuthAccountMessage);
        }
        var id = IntakePipeline.EventId(request, e.EventId!.Value);
        if (await intake.AlreadyProcessedAsync(id, ct))
        {
            return IntakePipeline.Success;
        }
        return await intake.DeliverAsync(id, Topics.AuthAccountMessage, Mapping.Of(UserEventMapping.Map(id, e)), ct);
    }

    private static async Task<IResult> UserContactAsync(HttpRequest request, IntakePipeline intake, Projections projections, CancellationToken ct)
    {
        if (await IntakePipeline.ReadAsync<UserContact>(request, ct) is not { IsComplete: true } e)
        {
            return intake.Malformed(Topics.AuthUserContact);
        }
        var id = IntakePipeline.EventId(request, e.EventId!.Value);
        await projections.RecordContactAsync(e, ct);
        return await intake.CompleteAsync(id, Topics.AuthUserContact, ct);
    }

    private static async Task<IResult> AuditRecordedAsync(HttpRequest request, IntakePipeline intake, Projections projections, CancellationToken ct)
    {
        if (await IntakePipeline.ReadAsync<AuditRecorded>(request, ct) is not { IsComplete: true } e)
        {
            return intake.Malformed(Topics.AuditRecorded);
        }
        var id = IntakePipeline.EventId(request, e.EventId!.Value);
        // Most audit events concern no customer: acknowledged without a row, so the audit stream does not grow this table.
        if (UserEventMapping.Map(id, e) is not { } userEvent)
        {
            return IntakePipeline.Success;
        }
        if (await intake.AlreadyProcessedAsync(id, ct))
        {
            return IntakePipeline.Success;
        }
        return await intake.DeliverAsync(id, Topics.AuditRecorded, Mapping.Of(userEvent), ct);
    }
}
