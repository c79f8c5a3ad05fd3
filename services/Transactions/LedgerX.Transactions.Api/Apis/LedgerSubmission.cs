using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LedgerX.ServiceDefaults;
using LedgerX.Transactions.Api.Access;
using LedgerX.Transactions.Api.Ledger;
using LedgerX.Transactions.Domain;

namespace LedgerX.Transactions.Api.Apis;

/// <summary>
/// The common path of every write endpoint: turn the request into a command (refusing bad fields by name), attach the
/// Idempotency-Key with a hash of what was asked, hand it to the writer, and answer with the stored response.
/// </summary>
internal static class LedgerSubmission
{
    public const string IdempotencyHeader = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    private const int MaxKeyLength = 255;

    /// <param name="afterApplied">Runs once the command is applied (or replayed: <see cref="WriteResult.Applied.Replayed"/>),
    /// before answering: what must follow a commit, such as starting the saga a reversal request begins. It must be safe
    /// to run again on every retry.</param>
    /// <param name="audit">A privileged action's audit event, committed with the command if and only if it is applied.</param>
    /// <param name="caller">Whose request it is: the writer holds the command to <see cref="CommandAccess"/> for them.</param>
    public static async Task<IResult> SubmitAsync<TRequest>(HttpContext http, LedgerWriter writer, LedgerCaller caller, TRequest request,
        Func<TRequest, LedgerCommand> toCommand, ResponseRenderer render, CancellationToken ct,
        Func<WriteResult.Applied, CancellationToken, Task>? afterApplied = null, ServiceDefaults.Audit.AuditRecorded? audit = null)
    {
        LedgerCommand command;
        IdempotencyRequest? idempotency;
        try
        {
            command = toCommand(request);
            idempotency = ReadIdempotencyKey(http, request);
        }
        catch (LedgerRuleException refused)
        {
            return LedgerProblems.From(refused.Error);
        }

        WriteResult result;
        try
        {
            result = await writer.SubmitAsync(command, idempotency, render, ct, audit, caller);
        }
        catch (LedgerUnavailableException unavailable)
        {
            // Not the client's fault and possibly temporary: 503 tells well-behaved clients to retry (with their key).
            return Problems.Problem(StatusCodes.Status503ServiceUnavailable, unavailable.Code, unavailable.Message);
        }
        if (result is WriteResult.Applied { } done && afterApplied is not null)
        {
            try
            {
                await afterApplied(done, ct);
            }
            catch (FollowUpUnavailableException unavailable)
            {
                // The command is committed; the retry (same key) replays it and runs the follow-up again.
                return Problems.Problem(StatusCodes.Status503ServiceUnavailable, "follow_up_unavailable", unavailable.Message);
            }
        }
        return result switch
        {
            WriteResult.Applied applied => new StoredResult(applied.Response, applied.Replayed),
            WriteResult.Refused refused => LedgerProblems.From(refused.Error),
            _ => throw new InvalidOperationException("Unknown write result."),
        };
    }

    /// <summary>The key in the caller's scope and a hash of method, path and body: the same key with anything different
    /// is refused (422).</summary>
    internal static IdempotencyRequest? ReadIdempotencyKey<TRequest>(HttpContext http, TRequest request)
    {
        if (!http.Request.Headers.TryGetValue(IdempotencyHeader, out var values))
        {
            return null;
        }
        var key = values.ToString();
        if (values.Count != 1 || key.Length is 0 or > MaxKeyLength || key.Any(c => c is < '!' or > '~'))
        {
            throw new LedgerRuleException(LedgerError.Validation(IdempotencyHeader,
                $"The {IdempotencyHeader} header must be one value of 1 to {MaxKeyLength} visible ASCII characters."));
        }
        var canonical = Encoding.UTF8.GetBytes($"{http.Request.Method} {http.Request.Path}\n");
        var body = JsonSerializer.SerializeToUtf8Bytes(request, ApiJson.Options);
        // The key lives in the caller's scope, so no caller can claim another's keys (or the saga's internal ones).
        return new IdempotencyRequest(new IdempotencyKey(CallerScopes.Of(http), key), SHA256.HashData([.. canonical, .. body]));
    }

    /// <summary>Writes a stored response verbatim; replays are marked so clients can tell.</summary>
    internal sealed class StoredResult(StoredResponse response, bool replayed) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = response.StatusCode;
            if (response.Location is not null)
            {
                http.Response.Headers.Location = response.Location;
            }
            if (replayed)
            {
                http.Response.Headers[ReplayedHeader] = "true";
            }
            if (response.Body.Length > 0)
            {
                http.Response.ContentType = "application/json; charset=utf-8";
                await http.Response.Body.WriteAsync(response.Body);
            }
        }
    }
}

/// <summary>What must follow a committed command could not run now; the client retries with the same Idempotency-Key.</summary>
public sealed class FollowUpUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The API's JSON conventions, shared by responses rendered inside the writer and by request hashing.</summary>
public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
