using Grpc.Core;

namespace LedgerX.LocalDapr.Api;

/// <summary>
/// An API failure carried with both faces daprd gives it: the gRPC status (what DaprClient inspects,
/// e.g. <c>Aborted</c> for an etag mismatch) and the HTTP status plus <c>errorCode</c> of the HTTP API.
/// </summary>
public sealed class DaprApiException : Exception
{
    public DaprApiException(StatusCode grpcStatus, int httpStatus, string errorCode, string message)
        : base(message)
    {
        GrpcStatus = grpcStatus;
        HttpStatus = httpStatus;
        ErrorCode = errorCode;
    }

    public DaprApiException()
    {
        ErrorCode = "ERR_INTERNAL";
        GrpcStatus = StatusCode.Internal;
        HttpStatus = 500;
    }

    public DaprApiException(string message)
        : this(StatusCode.Internal, 500, "ERR_INTERNAL", message)
    {
    }

    public DaprApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        ErrorCode = "ERR_INTERNAL";
        GrpcStatus = StatusCode.Internal;
        HttpStatus = 500;
    }

    public StatusCode GrpcStatus { get; }

    public int HttpStatus { get; }

    public string ErrorCode { get; }

    public static DaprApiException Malformed(string message) =>
        new(StatusCode.InvalidArgument, 400, "ERR_MALFORMED_REQUEST", message);
}
