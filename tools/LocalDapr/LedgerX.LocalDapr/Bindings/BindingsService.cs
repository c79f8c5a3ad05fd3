using Grpc.Core;
using LedgerX.LocalDapr.Api;

namespace LedgerX.LocalDapr.Bindings;

/// <summary>Output bindings API with daprd's errors (ERR_INVOKE_OUTPUT_BINDING).</summary>
public sealed class BindingsService
{
    private readonly IReadOnlyDictionary<string, OutputBinding> _outputs;

    public BindingsService(IReadOnlyDictionary<string, OutputBinding> outputs) => _outputs = outputs;

    public async Task<BindingResponse> InvokeAsync(string name, string operation, byte[] data, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        if (!_outputs.TryGetValue(name ?? "", out var binding))
        {
            throw new DaprApiException(StatusCode.Internal, 500, "ERR_INVOKE_OUTPUT_BINDING", $"error invoking output binding {name}: couldn't find output binding {name}");
        }

        try
        {
            return await binding.InvokeAsync(operation, data, metadata, cancellationToken);
        }
        catch (Exception ex) when (ex is BindingException or IOException or UnauthorizedAccessException)
        {
            throw new DaprApiException(StatusCode.Internal, 500, "ERR_INVOKE_OUTPUT_BINDING", $"error invoking output binding {name}: {ex.Message}");
        }
    }
}
