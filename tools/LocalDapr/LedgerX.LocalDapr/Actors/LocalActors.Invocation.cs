using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Grpc.Core;
using LedgerX.LocalDapr.Api;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LedgerX.LocalDapr.Actors;

/// <summary>Actor method calls: one turn per actor id (reentrancy by Dapr-Reentrancy-Id), the app called in that turn, its answer read with a byte cap.</summary>
public sealed partial class LocalActors
{
    /// <summary><c>PUT /v1.0/actors/{type}/{id}/method/{method}</c>: forwarded to the app in the actor's turn.</summary>
    public async Task<ActorCallResult> InvokeMethodAsync(
        string actorType,
        string actorId,
        string method,
        byte[] body,
        string? contentType,
        IEnumerable<KeyValuePair<string, string[]>> headers,
        CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        if (!_types.TryGetValue(actorType, out var settings))
        {
            // daprd: placement has no host for the type.
            throw new DaprApiException(StatusCode.Internal, 500, "ERR_ACTOR_INVOKE_METHOD", $"error invoke actor method: did not find address for actor {actorType}/{actorId}");
        }

        string? reentrancyId = headers.FirstOrDefault(h => string.Equals(h.Key, ReentrancyHeader, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();
        ActorCallResult result;
        try
        {
            result = await CallInTurnAsync(settings, actorId, $"method/{Uri.EscapeDataString(method)}", body, contentType, headers, reentrancyId, null, cancellationToken);
        }
        catch (ActorStackDepthException ex)
        {
            throw new DaprApiException(StatusCode.Internal, 500, "ERR_ACTOR_INVOKE_METHOD", $"error invoke actor method: {ex.Message}");
        }
        catch (HttpRequestException ex)
        {
            throw new DaprApiException(StatusCode.Internal, 500, "ERR_ACTOR_INVOKE_METHOD", $"error invoke actor method: {ex.Message}");
        }

        // As daprd (RT actors app transport): an answer carrying the actor error header goes back as it is, so the SDK
        // rethrows the actor's exception; any other non-200 answer becomes ERR_ACTOR_INVOKE_METHOD.
        bool actorError = result.Headers.Any(h => string.Equals(h.Key, ErrorResponseHeader, StringComparison.OrdinalIgnoreCase));
        if (!actorError && result.StatusCode != 200)
        {
            string detail = Encoding.UTF8.GetString(result.Body.AsSpan(0, Math.Min(result.Body.Length, 1024)));
            throw new DaprApiException(StatusCode.Internal, 500, "ERR_ACTOR_INVOKE_METHOD", $"error invoke actor method: error from actor service: ({result.StatusCode}) {detail}");
        }

        return result;
    }

    /// <summary>Runs one call in the actor's turn (method, timer or reminder) and buffers the app's answer.</summary>
    private async Task<ActorCallResult> CallInTurnAsync(
        ActorTypeSettings settings,
        string actorId,
        string relativePath,
        byte[] body,
        string? contentType,
        IEnumerable<KeyValuePair<string, string[]>> headers,
        string? reentrancyId,
        ActorActivation? onlyIn,
        CancellationToken cancellationToken)
    {
        var activation = onlyIn is null ? await EnterActivationAsync(settings.ActorType, actorId, cancellationToken) : EnterExisting(onlyIn);
        if (activation is null)
        {
            return new ActorCallResult(410, [], null, []);
        }

        try
        {
            string turnId = settings.ReentrancyEnabled ? reentrancyId ?? Guid.NewGuid().ToString() : Guid.NewGuid().ToString();
            await activation.Gate.EnterAsync(turnId, settings.ReentrancyEnabled, settings.MaxStackDepth, cancellationToken);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Put, $"actors/{Uri.EscapeDataString(settings.ActorType)}/{Uri.EscapeDataString(actorId)}/{relativePath}")
                {
                    Content = new ByteArrayContent(body),
                };
                if (!string.IsNullOrEmpty(contentType))
                {
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                }

                foreach (var (name, values) in headers)
                {
                    if (!NotForwarded.Contains(name) && !string.Equals(name, ReentrancyHeader, StringComparison.OrdinalIgnoreCase))
                    {
                        request.Headers.TryAddWithoutValidation(name, values);
                    }
                }

                if (settings.ReentrancyEnabled)
                {
                    request.Headers.TryAddWithoutValidation(ReentrancyHeader, turnId);
                }
                else if (reentrancyId is not null)
                {
                    request.Headers.TryAddWithoutValidation(ReentrancyHeader, reentrancyId);
                }

                // Once the app runs the turn, only the sidecar stopping ends it (the AppChannel timeout bounds it): releasing
                // the turn because a caller gave up would let the next call overlap a method still running in the app.
                using var response = await _options.AppChannel.SendAsync(request, _stop);
                byte[] answer;
                try
                {
                    answer = await BoundedContent.ReadAsync(response.Content, _options.MaxResponseBytes, "the actor's answer", _stop);
                }
                catch (BoundedContent.TooLargeException ex)
                {
                    throw new HttpRequestException(ex.Message);
                }
                var copied = response.Headers.Concat(response.Content.Headers)
                    .Where(h => !NotCopiedBack.Contains(h.Key))
                    .Select(h => new KeyValuePair<string, string[]>(h.Key, [.. h.Value]))
                    .ToList();
                return new ActorCallResult((int)response.StatusCode, copied, response.Content.Headers.ContentType?.ToString(), answer);
            }
            finally
            {
                activation.Gate.Exit();
            }
        }
        finally
        {
            LeaveActivation(activation);
        }
    }
}
