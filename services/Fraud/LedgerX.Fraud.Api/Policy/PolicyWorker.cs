using System.Globalization;
using System.Net;
using LedgerX.Fraud.Api.Infrastructure;
using LedgerX.Fraud.Api.Infrastructure.Persistence;
using LedgerX.Fraud.Api.ServiceIdentity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Refit;

namespace LedgerX.Fraud.Api.Policy;

/// <summary>
/// Carries out the high-score policy of committed alerts (action_status = pending): freeze the account or start a
/// reversal, by Dapr invocation of transaction-service. The pending action is written with the alert, so an action is
/// requested if and only if its alert committed, and retried (capped exponential backoff, at most MaxActionAttempts)
/// until transaction-service answers. A 4xx other than 408/429 is final: retrying the same request cannot change it.
/// Except 401 and 403, and no token from auth-service at all: those say fraud-service's own identity is not (yet)
/// accepted, which an operator fixes (the client's scopes, its secret, the ledger's keys), not the request. Such an
/// action stays pending, retried with backoff however many attempts it takes, so a misconfigured identity delays the
/// policy but never loses it; the error is logged and counted (policy_actions outcome=unauthorized).
/// </summary>
public sealed class PolicyWorker(
    IServiceScopeFactory scopes, ITransactionServiceClient ledger, DispatchSignals signals, TimeProvider clock,
    IOptions<DispatchOptions> options, FraudMetrics metrics, ILogger<PolicyWorker> logger) : BackgroundService
{
    private readonly DispatchOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                claimed = await RunOnceAsync(stoppingToken);
            }
            // Anything but this host stopping, a timeout\'s OperationCanceledException included (a stalled database or
            // sidecar): an escaped exception would end the loop for good and stop the host.
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Policy pass failed; retrying after the poll interval");
            }
            if (claimed < _options.BatchSize)
            {
                await signals.WaitForActionsAsync(TimeSpan.FromMilliseconds(_options.PollIntervalMs), stoppingToken);
            }
        }
    }

    /// <summary>A 4xx other than 408/429: the same request would be refused again, so it is not retried.</summary>
    public static bool IsFinalRefusal(HttpStatusCode status) =>
        (int)status is >= 400 and < 500 && !IsIdentityRefusal(status)
        && status is not HttpStatusCode.RequestTimeout and not HttpStatusCode.TooManyRequests;

    /// <summary>The ledger did not accept fraud-service's token (401) or its permissions (403).</summary>
    public static bool IsIdentityRefusal(HttpStatusCode status) => status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden;

    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FraudDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var due = await db.Alerts
            .FromSql($"SELECT * FROM alerts WHERE action_status = 'pending' AND action_next_attempt_at <= {clock.GetUtcNow()} ORDER BY action_next_attempt_at, id LIMIT {_options.BatchSize} FOR UPDATE SKIP LOCKED")
            .ToListAsync(ct);
        foreach (var alert in due)
        {
            await ActAsync(alert, ct);
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return due.Count;
    }

    private async Task ActAsync(AlertRow alert, CancellationToken ct)
    {
        alert.ActionAttempts++;
        var reason = string.Create(CultureInfo.InvariantCulture, $"fraud-service alert {alert.Id} (score {alert.Score})");
        // The key is predictable (alert ids are listed by GET /alerts), which is safe because transaction-service keeps
        // it in fraud-service's own scope (app:fraud-service, from the dapr-caller-app-id header its sidecar sets on
        // this invocation): a client's request with the same key is another key and can neither replay nor block it.
        var key = $"fraud-alert-{alert.Id}-{alert.Action}";
        HttpStatusCode? status = null;
        string? error;
        var identityRefused = false;
        try
        {
            using var response = alert.Action switch
            {
                "freeze" => await ledger.FreezeAccountAsync(alert.AccountId, new FreezeAccountBody(reason), key, ct),
                "reverse" => await ledger.StartReversalAsync(new StartReversalBody(alert.EntryId!.Value, reason), key, ct),
                _ => throw new InvalidOperationException($"Unknown policy action '{alert.Action}'."),
            };
            status = response.StatusCode;
            error = response.IsSuccessful ? null
                : $"{(int?)response.StatusCode}: {(response.Error as ApiException)?.Content ?? response.Error?.Message ?? response.ReasonPhrase}";
        }
        catch (ServiceTokenUnavailableException ex)
        {
            error = ex.Message;
            identityRefused = true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            error = ex.GetBaseException().Message;
        }
        identityRefused |= status is { } refused && IsIdentityRefusal(refused);

        var now = clock.GetUtcNow();
        if (error is null)
        {
            alert.ActionStatus = ActionStatus.Done;
            alert.ActionCompletedAt = now;
            alert.ActionLastError = null;
            alert.ActionNextAttemptAt = null;
            metrics.Action(alert.Action, "done");
            logger.LogInformation("Policy {Action} for alert {AlertId} on account {AccountId} done", alert.Action, alert.Id, alert.AccountId);
            return;
        }

        alert.ActionLastError = error[..Math.Min(error.Length, 2000)];
        var final = status is { } s && IsFinalRefusal(s);
        if (identityRefused)
        {
            alert.ActionNextAttemptAt = now + Backoff.For(alert.ActionAttempts, _options);
            metrics.Action(alert.Action, "unauthorized");
            logger.LogError("Policy {Action} for alert {AlertId}: fraud-service's own identity was refused on attempt {Attempt}; kept pending and retried: {Error}",
                alert.Action, alert.Id, alert.ActionAttempts, error);
        }
        else if (final || alert.ActionAttempts >= _options.MaxActionAttempts)
        {
            alert.ActionStatus = ActionStatus.Failed;
            alert.ActionNextAttemptAt = null;
            metrics.Action(alert.Action, "failed");
            logger.LogError("Policy {Action} for alert {AlertId} failed after {Attempts} attempts: {Error}", alert.Action, alert.Id, alert.ActionAttempts, error);
        }
        else
        {
            alert.ActionNextAttemptAt = now + Backoff.For(alert.ActionAttempts, _options);
            metrics.Action(alert.Action, "retry");
            logger.LogWarning("Policy {Action} for alert {AlertId} failed on attempt {Attempt}, will retry: {Error}", alert.Action, alert.Id, alert.ActionAttempts, error);
        }
    }
}
