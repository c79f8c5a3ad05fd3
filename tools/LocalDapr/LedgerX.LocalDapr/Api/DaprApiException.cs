using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using StatusCode = Grpc.Core.StatusCode;

namespace LedgerX.LocalDapr.Api;

/// <summary>
/// An API failure carried with both faces daprd gives it: the gRPC status (what DaprClient inspects,
/// e.g. <c>Aborted</c> for an etag mismatch) and the HTTP status plus <c>errorCode</c> of the HTTP API.
/// Errors daprd builds with dapr/kit's error builder also carry google.rpc details (ErrorInfo with a
/// <c>DAPR_*</c> reason, ResourceInfo, BadRequest): as <c>grpc-status-details-bin</c> over gRPC and as
/// <c>details[]</c> in the HTTP body, so SDKs that read them (JavaScript, Go, .NET's
/// <c>DaprException.TryGetExtendedErrorInfo</c>) see what daprd sends.
/// </summary>
public sealed class DaprApiException : Exception
{
    /// <summary>dapr/kit's <c>errors.Domain</c>.</summary>
    public const string ErrorDomain = "dapr.io";

    private readonly List<IMessage> _details = [];

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

    /// <summary>google.rpc detail messages in the order daprd's builder adds them.</summary>
    public IReadOnlyList<IMessage> Details => _details;

    public static DaprApiException Malformed(string message) =>
        new(StatusCode.InvalidArgument, 400, "ERR_MALFORMED_REQUEST", message);

    /// <summary>Adds <c>google.rpc.ErrorInfo</c> (domain <c>dapr.io</c>); <paramref name="reason"/> is daprd's <c>DAPR_*</c> code.</summary>
    public DaprApiException WithErrorInfo(string reason, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var info = new ErrorInfo { Reason = reason, Domain = ErrorDomain };
        if (metadata is not null)
        {
            foreach (var (key, value) in metadata)
            {
                info.Metadata[key] = value;
            }
        }

        _details.Add(info);
        return this;
    }

    public DaprApiException WithResourceInfo(string resourceType, string resourceName, string description = "")
    {
        _details.Add(new ResourceInfo { ResourceType = resourceType, ResourceName = resourceName, Owner = "", Description = description });
        return this;
    }

    public DaprApiException WithFieldViolation(string field, string description)
    {
        _details.Add(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = description } } });
        return this;
    }

    /// <summary>The gRPC face: status, message and (when present) the details as <c>grpc-status-details-bin</c>.</summary>
    public RpcException ToRpcException()
    {
        if (_details.Count == 0)
        {
            return new RpcException(new Grpc.Core.Status(GrpcStatus, Message));
        }

        var status = new Google.Rpc.Status { Code = (int)GrpcStatus, Message = Message };
        status.Details.AddRange(_details.Select(Any.Pack));
        return status.ToRpcException();
    }
}
