namespace LedgerX.LocalDapr.Hosting;

/// <summary>
/// Reads an app's or a sidecar's answer with a byte cap that holds whatever the framing: a Content-Length over
/// the cap fails at once, and a chunked (or close-delimited) body is counted while it is read, so an answer
/// without a length cannot grow the sidecar's memory without bound.
/// </summary>
public static class BoundedContent
{
    /// <summary>Thrown when the body exceeds the cap; callers map it to their own failure (retry, 500, startup error).</summary>
    public sealed class TooLargeException(string message) : Exception(message)
    {
        public TooLargeException()
            : this("the body is too large")
        {
        }

        public TooLargeException(string message, Exception innerException)
            : this(message + ": " + innerException.Message)
        {
        }
    }

    /// <summary>The whole body, or <see cref="TooLargeException"/> naming <paramref name="what"/> once it passes <paramref name="maxBytes"/>.</summary>
    public static async Task<byte[]> ReadAsync(HttpContent content, long maxBytes, string what, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > maxBytes)
        {
            throw new TooLargeException($"{what} is larger than {maxBytes} bytes");
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream(content.Headers.ContentLength is { } length ? (int)length : 0);
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new TooLargeException($"{what} is larger than {maxBytes} bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
