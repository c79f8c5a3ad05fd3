namespace LedgerX.LocalDapr.Bindings;

/// <summary>The result of an output binding operation: response bytes and response metadata.</summary>
public sealed record BindingResponse(byte[] Data, IReadOnlyDictionary<string, string> Metadata);

/// <summary>An output binding (<c>InvokeBinding</c> / <c>POST /v1.0/bindings/{name}</c>).</summary>
public abstract class OutputBinding
{
    /// <summary>The operations daprd accepts for this binding; anything else is refused before <see cref="InvokeAsync"/>.</summary>
    public abstract IReadOnlyList<string> Operations { get; }

    /// <summary>
    /// Performs one operation. Null is a binding's <c>nil</c> response (daprd's HTTP API answers 204); throws
    /// <see cref="BindingException"/> for a request the binding rejects or a backend that fails.
    /// </summary>
    public abstract Task<BindingResponse?> InvokeAsync(string operation, byte[] data, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken);
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

    /// <summary>A failure that still carries the binding's response, as bindings.http returns a non-2xx answer with its
    /// status and headers: daprd passes that metadata to the caller beside the error.</summary>
    public BindingException(string message, BindingResponse response)
        : base(message) => Response = response;

    public BindingResponse? Response { get; }
}
