using Microsoft.AspNetCore.Http.Timeouts;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace LedgerX.Gateway.Api.Routing;

/// <summary>
/// YARP answers a failed forward with a bare status; this turns it into the problem every LedgerX error is: 504
/// <c>upstream_timeout</c> when the route's timeout fired, 503 <c>upstream_unavailable</c> when the gateway's sidecar refused
/// the connection (nothing was sent: the client may retry), 502 <c>upstream_unreachable</c> when the connection broke off
/// (the request may have been processed). A client that hung up gets nothing (there is no one to tell).
/// </summary>
internal static class ForwarderErrors
{
    public const string Timeout = "upstream_timeout";
    public const string Unreachable = "upstream_unreachable";

    public static async Task AsProblemAsync(HttpContext context, Func<Task> next)
    {
        await next();
        var error = context.GetForwarderErrorFeature();
        if (error is null || context.Response.HasStarted || error.Error is ForwarderError.RequestCanceled && context.RequestAborted.IsCancellationRequested
            && context.Features.Get<IHttpRequestTimeoutFeature>()?.RequestTimeoutToken.IsCancellationRequested != true)
        {
            return;
        }
        var upstream = context.GetReverseProxyFeature().Cluster.Config.ClusterId;
        var extensions = new Dictionary<string, object?> { ["upstream"] = upstream };
        if (context.Features.Get<IHttpRequestTimeoutFeature>()?.RequestTimeoutToken.IsCancellationRequested == true
            || error.Error == ForwarderError.RequestTimedOut)
        {
            await GatewayProblems.WriteAsync(context, StatusCodes.Status504GatewayTimeout, Timeout,
                $"The {upstream} upstream did not answer within this route's timeout.", extensions);
            return;
        }
        if (BodyTooLarge(error.Exception))
        {
            // Kestrel's body limit tripped while the body streamed (no Content-Length); the shared problem setup words it.
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge).ExecuteAsync(context);
            return;
        }
        if (Refused(error.Exception))
        {
            var breakers = context.RequestServices.GetRequiredService<UpstreamCircuitBreakers>();
            await UpstreamUnavailable.WriteAsync(context, upstream, breakers.RetryAfterFor(upstream));
            return;
        }
        await GatewayProblems.WriteAsync(context, StatusCodes.Status502BadGateway, Unreachable,
            $"The {upstream} upstream could not be reached.", extensions);
    }

    /// <summary>Nothing listens where the sidecar should (it is restarting or gone): the request never left.</summary>
    private static bool Refused(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused })
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The body limit tripped somewhere below the forwarder (it arrives wrapped in the client's I/O errors).</summary>
    private static bool BodyTooLarge(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
            {
                return true;
            }
        }
        return false;
    }
}
