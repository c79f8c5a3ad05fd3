using System.Threading.Channels;

namespace LedgerX.Cli.Nlp;

/// <summary>
/// The caller's live feed over SSE, opened before the question is asked: answer pieces are ephemeral (pushed live, never
/// replayed), so a feed opened after the 202 could miss the first ones. Every item after <c>live.ready</c> is queued
/// in arrival order for the reader, which picks out its question's items.
/// </summary>
internal sealed class LiveEvents : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<NlpLiveFrame> _frames = Channel.CreateUnbounded<NlpLiveFrame>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _reading;

    private LiveEvents(HttpResponseMessage response)
    {
        _response = response;
        _reading = ReadAsync();
    }

    /// <summary>Frames in arrival order; the channel completes when the stream ends.</summary>
    public ChannelReader<NlpLiveFrame> Frames => _frames.Reader;

    /// <summary>Why the stream ended (the server's close reason or the transport error); null while it is open.</summary>
    public string? Ended { get; private set; }

    /// <summary>Completes at <c>live.ready</c>; faults if the stream ends first.</summary>
    public Task Ready => _ready.Task;

    /// <summary>The open feed, or the problem the gateway or notification-service answered instead.</summary>
    public static async Task<(LiveEvents? Events, ApiProblem? Refused)> OpenAsync(NlpClient client, CancellationToken ct)
    {
        var response = await client.OpenEventsAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                return (null, (await ApiResponse.ReadAsync(response, ct)).Problem);
            }
        }
        return (new LiveEvents(response), null);
    }

    private async Task ReadAsync()
    {
        var parser = new SseParser();
        try
        {
            await using var body = await _response.Content.ReadAsStreamAsync(_stop.Token);
            using var reader = new StreamReader(body);
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (parser.Line(line) is not { } sse)
                {
                    continue;
                }
                if (sse.Type == NlpLiveFrame.CloseEvent)
                {
                    Ended = "the server closed the live feed: " + NlpLiveFrame.CloseReason(sse.Data);
                    return;
                }
                if (NlpLiveFrame.Parse(sse.Data) is not { } frame)
                {
                    continue;
                }
                if (frame.Kind == NlpLiveFrame.Ready)
                {
                    _ready.TrySetResult();
                }
                else
                {
                    _frames.Writer.TryWrite(frame);
                }
            }
            Ended = "the live feed ended";
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            Ended = "closed";
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            Ended = "the live feed broke: " + ex.Message;
        }
        finally
        {
            _ready.TrySetException(new IOException(Ended ?? "the live feed ended"));
            _frames.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
