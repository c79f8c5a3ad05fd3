namespace LedgerX.LocalDapr.Bindings;

/// <summary>The result of an output binding operation: response bytes and response metadata.</summary>
public sealed record BindingResponse(byte[] Data, IReadOnlyDictionary<string, string> Metadata);

/// <summary>An output binding (<c>InvokeBinding</c> / <c>POST /v1.0/bindings/{name}</c>).</summary>
public abstract class OutputBinding
{
    public abstract IReadOnlyList<string> Operations { get; }

    /// <summary>Throws <see cref="BindingException"/> for a request the binding rejects.</summary>
    public abstract Task<BindingResponse> InvokeAsync(string operation, byte[] data, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken);
}

public sealed class BindingException : Exception
{
    public BindingException(string message)
        : base(message)
    {
    }

    public BindingException()
    {
    }

    public BindingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
