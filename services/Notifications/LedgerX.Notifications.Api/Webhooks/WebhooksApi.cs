using System.Net;
using System.Security.Claims;
using LedgerX.Notifications.Api.Webhooks.Persistence;
using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LedgerX.Notifications.Api.Webhooks;

/// <summary>
/// Customer webhook endpoints under <c>/api/v1/webhooks</c> (<c>notifications:manage</c>): register, list, read, change,
/// delete, rotate the signing secret, read the delivery log, redeliver, test-send. The owner is the token's subject;
/// someone else's endpoint answers 404 (<see cref="WebhookAccess"/>). The secret is shown once, in the answer to a
/// creation or a rotation.
/// </summary>
public static class WebhooksApi
{
    public const string Prefix = "/api/v1/webhooks";
    public const string UrlForbiddenCode = "webhook_url_forbidden";
    public const int MaxPageSize = 100;
    public const int DefaultPageSize = 20;

    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup(Prefix).WithTags("Webhooks").WithGroupName("v1").RequirePermission(Permissions.NotificationsManage);
        hooks.MapPost("/", Create).WithName("CreateWebhookEndpoint").WithSummary("Register an endpoint; the answer shows its signing secret once")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        hooks.MapGet("/", List).WithName("ListWebhookEndpoints").WithSummary("The caller's endpoints, oldest first");
        hooks.MapGet("/{id:guid}", Get).WithName("GetWebhookEndpoint").WithSummary("An endpoint (never its secret)")
            .ProducesProblem(StatusCodes.Status404NotFound);
        hooks.MapPatch("/{id:guid}", Update).WithName("UpdateWebhookEndpoint").WithSummary("Change url, event types, description or enabled")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        hooks.MapDelete("/{id:guid}", Delete).WithName("DeleteWebhookEndpoint").WithSummary("Delete an endpoint and its delivery log")
            .ProducesProblem(StatusCodes.Status404NotFound);
        hooks.MapPost("/{id:guid}/rotate-secret", RotateSecret).WithName("RotateWebhookSecret")
            .WithSummary("A new signing secret, shown once; the old one keeps signing beside it for the overlap (24 h)")
            .ProducesProblem(StatusCodes.Status404NotFound);
        hooks.MapGet("/{id:guid}/deliveries", Deliveries).WithName("ListWebhookDeliveries")
            .WithSummary("The delivery log, newest first, each delivery with its attempts")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        hooks.MapPost("/{id:guid}/deliveries/{deliveryId:guid}/redeliver", Redeliver).WithName("RedeliverWebhook")
            .WithSummary("Send a delivery again now, with the same LedgerX-Webhook-Id and body, on a fresh retry schedule")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        hooks.MapPost("/{id:guid}/test", Test).WithName("TestWebhook").WithSummary("Send a webhook.test event to this endpoint now")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    /// <summary>What the handlers need; the caller comes from <see cref="Http"/>.</summary>
    public sealed record Services(
        WebhooksDbContext Db, SsrfGuard Guard, SigningSecrets Secrets, IOptions<WebhookOptions> Options, TimeProvider Clock,
        WebhookDispatchSignal Signal, HttpContext Http, CancellationToken Ct)
    {
        public ClaimsPrincipal Caller => Http.User;
        public WebhookOptions Settings => Options.Value;
    }

    public static async Task<Results<Created<WebhookEndpointWithSecretResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateWebhookEndpointRequest request, [AsParameters] Services s)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(s);
        if (WebhookEventTypes.Problem(request.EventTypes) is { } typesProblem)
        {
            return Problems.Validation("eventTypes", typesProblem);
        }
        if (request.Description is { Length: > WebhooksDbContext.MaxDescriptionLength })
        {
            return Problems.Validation("description", $"The description is at most {WebhooksDbContext.MaxDescriptionLength} characters.");
        }
        var verdict = await CheckUrlAsync(request.Url, s);
        if (verdict.Url is null)
        {
            return UrlProblem(verdict);
        }
        var owner = s.Caller.SubjectId()!;
        if (await s.Db.OwnedBy(s.Caller).CountAsync(s.Ct) >= s.Settings.MaxEndpointsPerUser)
        {
            return Problems.Unprocessable("webhook_endpoint_limit", $"A user may register at most {s.Settings.MaxEndpointsPerUser} endpoints.");
        }
        var now = s.Clock.GetUtcNow();
        var secret = WebhookSecret.New();
        var endpoint = new WebhookEndpointRow
        {
            Id = Guid.CreateVersion7(now),
            UserId = owner,
            Url = verdict.Url.AbsoluteUri,
            Description = request.Description,
            EventTypes = [.. request.EventTypes!.Distinct(StringComparer.Ordinal)],
            Enabled = true,
            SecretProtected = s.Secrets.Protect(secret),
            CreatedAt = now,
            UpdatedAt = now,
        };
        s.Db.Endpoints.Add(endpoint);
        await s.Db.SaveChangesAsync(s.Ct);
        return TypedResults.Created($"{Prefix}/{endpoint.Id}", new WebhookEndpointWithSecretResponse(WebhookEndpointResponse.From(endpoint), secret));
    }

    public static async Task<Ok<WebhookEndpointList>> List(WebhooksDbContext db, ClaimsPrincipal caller, CancellationToken ct) =>
        TypedResults.Ok(new WebhookEndpointList(
            [.. (await db.OwnedBy(caller).AsNoTracking().OrderBy(e => e.Id).ToListAsync(ct)).Select(WebhookEndpointResponse.From)]));

    public static async Task<Results<Ok<WebhookEndpointResponse>, ProblemHttpResult>> Get(
        Guid id, WebhooksDbContext db, ClaimsPrincipal caller, CancellationToken ct) =>
        await db.VisibleTo(caller).AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, ct) is { } endpoint
            ? TypedResults.Ok(WebhookEndpointResponse.From(endpoint))
            : NotFound(id);

    public static async Task<Results<Ok<WebhookEndpointResponse>, ValidationProblem, ProblemHttpResult>> Update(
        Guid id, UpdateWebhookEndpointRequest request, [AsParameters] Services s)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(s);
        if (request.EventTypes is not null && WebhookEventTypes.Problem(request.EventTypes) is { } typesProblem)
        {
            return Problems.Validation("eventTypes", typesProblem);
        }
        if (request.Description is { Length: > WebhooksDbContext.MaxDescriptionLength })
        {
            return Problems.Validation("description", $"The description is at most {WebhooksDbContext.MaxDescriptionLength} characters.");
        }
        UrlVerdict? verdict = null;
        if (request.Url is not null)
        {
            verdict = await CheckUrlAsync(request.Url, s);
            if (verdict.Url is null)
            {
                return UrlProblem(verdict);
            }
        }
        if (await s.Db.OwnedBy(s.Caller).FirstOrDefaultAsync(e => e.Id == id, s.Ct) is not { } endpoint)
        {
            return NotFound(id);
        }
        if (verdict?.Url is { } url)
        {
            endpoint.Url = url.AbsoluteUri;
        }
        if (request.EventTypes is { } types)
        {
            endpoint.EventTypes = [.. types.Distinct(StringComparer.Ordinal)];
        }
        if (request.Description is { } description)
        {
            endpoint.Description = description.Length == 0 ? null : description;
        }
        if (request.Enabled is { } enabled && enabled != endpoint.Enabled)
        {
            endpoint.Enabled = enabled;
            // Enabling is the owner saying "it works again": the failure record starts over.
            endpoint.DisabledReason = null;
            endpoint.DisabledAt = enabled ? null : s.Clock.GetUtcNow();
            endpoint.ConsecutiveDeadDeliveries = 0;
            endpoint.FailingSince = null;
        }
        endpoint.UpdatedAt = s.Clock.GetUtcNow();
        await s.Db.SaveChangesAsync(s.Ct);
        if (endpoint.Enabled)
        {
            s.Signal.Notify();
        }
        return TypedResults.Ok(WebhookEndpointResponse.From(endpoint));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, WebhooksDbContext db, ClaimsPrincipal caller, CancellationToken ct) =>
        await db.OwnedBy(caller).Where(e => e.Id == id).ExecuteDeleteAsync(ct) == 1 ? TypedResults.NoContent() : NotFound(id);

    public static async Task<Results<Ok<WebhookEndpointWithSecretResponse>, ProblemHttpResult>> RotateSecret(Guid id, [AsParameters] Services s)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (await s.Db.OwnedBy(s.Caller).FirstOrDefaultAsync(e => e.Id == id, s.Ct) is not { } endpoint)
        {
            return NotFound(id);
        }
        var now = s.Clock.GetUtcNow();
        var secret = WebhookSecret.New();
        // One retired secret at a time: rotating again during an overlap retires the current one and drops the older.
        endpoint.PreviousSecretProtected = endpoint.SecretProtected;
        endpoint.PreviousSecretExpiresAt = now.AddHours(s.Settings.RotatedSecretOverlapHours);
        endpoint.SecretProtected = s.Secrets.Protect(secret);
        endpoint.UpdatedAt = now;
        await s.Db.SaveChangesAsync(s.Ct);
        return TypedResults.Ok(new WebhookEndpointWithSecretResponse(WebhookEndpointResponse.From(endpoint), secret));
    }

    public static async Task<Results<Ok<WebhookDeliveryPage>, ValidationProblem, ProblemHttpResult>> Deliveries(
        Guid id, [FromQuery] Guid? after, [FromQuery] int? limit, WebhooksDbContext db, ClaimsPrincipal caller, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var size = limit ?? DefaultPageSize;
        if (size is < 1 or > MaxPageSize)
        {
            return Problems.Validation("limit", $"The limit must be between 1 and {MaxPageSize}.");
        }
        if (!await db.VisibleTo(caller).AnyAsync(e => e.Id == id, ct))
        {
            return NotFound(id);
        }
        var query = db.Deliveries.AsNoTracking().Where(d => d.EndpointId == id);
        if (after is { } cursor)
        {
            query = query.Where(d => d.Id.CompareTo(cursor) < 0);
        }
        var rows = await query.OrderByDescending(d => d.Id).Take(size + 1).ToListAsync(ct);
        var page = rows.Take(size).ToList();
        var ids = page.Select(d => d.Id).ToList();
        var attempts = (await db.Attempts.AsNoTracking().Where(a => ids.Contains(a.DeliveryId)).OrderBy(a => a.Id).ToListAsync(ct))
            .ToLookup(a => a.DeliveryId);
        return TypedResults.Ok(new WebhookDeliveryPage(
            [.. page.Select(d => WebhookDeliveryResponse.From(d, attempts[d.Id]))],
            rows.Count > size ? page[^1].Id.ToString() : null));
    }

    public static async Task<Results<Accepted<WebhookDeliveryResponse>, ProblemHttpResult>> Redeliver(
        Guid id, Guid deliveryId, [AsParameters] Services s)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (await s.Db.VisibleTo(s.Caller).AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, s.Ct) is not { } endpoint)
        {
            return NotFound(id);
        }
        if (!endpoint.Enabled)
        {
            return Disabled(endpoint);
        }
        if (await s.Db.Deliveries.FirstOrDefaultAsync(d => d.Id == deliveryId && d.EndpointId == id, s.Ct) is not { } delivery)
        {
            return Problems.NotFound("webhook_delivery_not_found", $"Delivery {deliveryId} of endpoint {id} does not exist.");
        }
        WebhookDeliveries.Redeliver(delivery, s.Clock.GetUtcNow());
        await s.Db.SaveChangesAsync(s.Ct);
        s.Signal.Notify();
        return TypedResults.Accepted($"{Prefix}/{id}/deliveries", WebhookDeliveryResponse.From(delivery, []));
    }

    public static async Task<Results<Accepted<WebhookDeliveryResponse>, ProblemHttpResult>> Test(Guid id, [AsParameters] Services s)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (await s.Db.OwnedBy(s.Caller).AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, s.Ct) is not { } endpoint)
        {
            return NotFound(id);
        }
        if (!endpoint.Enabled)
        {
            return Disabled(endpoint);
        }
        var delivery = WebhookDeliveries.Test(endpoint, s.Clock.GetUtcNow());
        s.Db.Deliveries.Add(delivery);
        await s.Db.SaveChangesAsync(s.Ct);
        s.Signal.Notify();
        return TypedResults.Accepted($"{Prefix}/{id}/deliveries", WebhookDeliveryResponse.From(delivery, []));
    }

    private static Task<UrlVerdict> CheckUrlAsync(string? url, Services s) =>
        s.Guard.CheckAsync(url, s.Settings.AllowHttp, Dns.GetHostAddressesAsync, s.Ct);

    /// <summary>A malformed URL is a plain validation problem; one the SSRF guard refuses has its own code, both naming the field.</summary>
    private static ValidationProblem UrlProblem(UrlVerdict verdict) => verdict.IsForbidden
        ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["url"] = [verdict.Problem!] },
            detail: verdict.Problem, type: Problems.TypeBaseUri + UrlForbiddenCode,
            extensions: new Dictionary<string, object?> { ["code"] = UrlForbiddenCode })
        : Problems.Validation("url", verdict.Problem!);

    private static ProblemHttpResult Disabled(WebhookEndpointRow endpoint) => Problems.Conflict("webhook_endpoint_disabled",
        $"Endpoint {endpoint.Id} is disabled{(endpoint.DisabledReason is { } why ? $" ({why})" : "")}; enable it first.");

    /// <summary>The same answer for a missing endpoint and someone else's, so ids leak nothing.</summary>
    private static ProblemHttpResult NotFound(Guid id) => Problems.NotFound("webhook_endpoint_not_found", $"Webhook endpoint {id} does not exist.");
}
