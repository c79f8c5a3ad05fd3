using System.Text.Json;

namespace LedgerX.Testing;

/// <summary>One request the provider sink accepted (one JSON line of its log).</summary>
public sealed record ProviderRequest(
    DateTimeOffset ReceivedAt,
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> Headers,
    string Body,
    string? IdempotencyKey,
    string MessageId)
{
    /// <summary>A request header, by case-insensitive name.</summary>
    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>The body as JSON (bindings.http posts the binding's data as is).</summary>
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    public override string ToString() => $"{Method} {Path} key={IdempotencyKey} id={MessageId}: {Body}";
}

/// <summary>
/// Reads the provider sink's log (tools/devenv/provider-sink.py): one JSON line per accepted request; a request repeating
/// an Idempotency-Key already accepted is not logged again, as a provider dedupes it. Waits poll with a deadline.
/// </summary>
public sealed class ProviderSinkLog
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public ProviderSinkLog(string path) => Path = path;

    public string Path { get; }

    /// <summary>Every request logged so far, in arrival order.</summary>
    public IReadOnlyList<ProviderRequest> ReadAll()
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        // The sink appends while we read: a last line without its newline is still being written.
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        string text = reader.ReadToEnd();
        int complete = text.LastIndexOf('\n') + 1;
        return text[..complete].Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonSerializer.Deserialize<ProviderRequest>(line, Json)!)
            .ToList();
    }

    /// <summary>Waits until a request matching <paramref name="match"/> is logged.</summary>
    public async Task<ProviderRequest> WaitForAsync(Func<ProviderRequest, bool> match, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        (await WaitForCountAsync(match, 1, timeout, cancellationToken))[0];

    /// <summary>Waits until at least <paramref name="count"/> requests match; returns all that match.</summary>
    public async Task<IReadOnlyList<ProviderRequest>> WaitForCountAsync(Func<ProviderRequest, bool> match, int count, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var found = ReadAll().Where(match).ToList();
            if (found.Count >= count)
            {
                return found;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException(
                    $"expected {count} matching request(s) in {Path} within {timeout}, found {found.Count}. Logged: " +
                    string.Join("; ", ReadAll().TakeLast(20)));
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }
}
