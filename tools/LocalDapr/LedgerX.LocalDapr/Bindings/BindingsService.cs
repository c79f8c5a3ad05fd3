using Grpc.Core;
using LedgerX.LocalDapr.Api;
using LedgerX.LocalDapr.Resiliency;

namespace LedgerX.LocalDapr.Bindings;

/// <summary>What one output binding call produced: the binding's response (null for its nil) and/or daprd's error.
/// Both can be set: daprd hands a failing binding's response metadata to the caller before the error.</summary>
public sealed record BindingOutcome(BindingResponse? Response, DaprApiException? Error)
{
    public BindingResponse? ThrowIfFailed() => Error is null ? Response : throw Error;
}

/// <summary>
/// Output bindings API as daprd's pkg/runtime/processor/binding/send.go runs it: the operation must be one the binding
/// lists, the component's outbound resiliency policy wraps the call, and every failure is ERR_INVOKE_OUTPUT_BINDING.
/// </summary>
public sealed class BindingsService : IDisposable
{
    private readonly IReadOnlyDictionary<string, OutputBinding> _outputs;
    private readonly ResiliencyProvider? _resiliency;

    public BindingsService(IReadOnlyDictionary<string, OutputBinding> outputs, ResiliencyProvider? resiliency = null)
    {
        _outputs = outputs;
        _resiliency = resiliency;
    }

    public async Task<BindingOutcome> InvokeAsync(string name, string operation, byte[] data, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(operation))
        {
            return Failed(name, "operation field is missing from request");
        }

        if (!_outputs.TryGetValue(name ?? "", out var binding))
        {
            return Failed(name, $"couldn't find output binding {name}");
        }

        if (!binding.Operations.Contains(operation, StringComparer.Ordinal))
        {
            return Failed(name, $"binding {name} does not support operation {operation}. supported operations:{string.Join(' ', binding.Operations)}");
        }

        try
        {
            var policy = _resiliency?.ForComponentOutbound(name!) ?? ResiliencyPolicy.None;
            var response = await policy.ExecuteAsync(ct => binding.InvokeAsync(operation, data, metadata, ct), cancellationToken);
            return new BindingOutcome(response, null);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // daprd turns whatever the component returns (I/O, protocol, timeout, open breaker) into this one error.
            return Failed(name, ex.Message) with { Response = (ex as BindingException)?.Response };
        }
    }

    /// <summary>Closes the bindings' connections (bindings.http's HTTP client) when the sidecar stops.</summary>
    public void Dispose()
    {
        foreach (var output in _outputs.Values.OfType<IDisposable>())
        {
            output.Dispose();
        }
    }

    private static BindingOutcome Failed(string? name, string reason) =>
        new(null, new DaprApiException(StatusCode.Internal, 500, "ERR_INVOKE_OUTPUT_BINDING", $"error invoking output binding {name}: {reason}"));
}
