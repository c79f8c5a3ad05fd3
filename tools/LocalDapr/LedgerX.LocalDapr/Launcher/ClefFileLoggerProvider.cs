using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Launcher;

/// <summary>
/// A sidecar's events as CLEF lines in its app's log file (<see cref="AppLogFile"/>), marked
/// <c>"Origin":"daprd"</c>, with the trace and span ids of <see cref="Activity.Current"/> (the sidecar's span for the
/// call it is handling, <see cref="Tracing.SidecarTracer"/>) and the message's named values as properties.
/// </summary>
public sealed class ClefFileLoggerProvider : ILoggerProvider
{
    private readonly AppLogFile _file;
    private readonly LogLevel _minimum;
    private readonly TimeProvider _time;

    public ClefFileLoggerProvider(AppLogFile file, LogLevel minimum, TimeProvider time)
    {
        _file = file;
        _minimum = minimum;
        _time = time;
    }

    public ILogger CreateLogger(string categoryName) => new ClefLogger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class ClefLogger(ClefFileLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner._minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var properties = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            string? template = properties.FirstOrDefault(p => p.Key == "{OriginalFormat}").Value as string;
            var activity = Activity.Current;
            owner._file.Append(ClefEvent.Write(
                owner._time.GetUtcNow(),
                ClefLevels.FromLogLevel(logLevel),
                formatter(state, exception),
                template,
                category,
                activity?.TraceId.ToHexString(),
                activity?.SpanId.ToHexString(),
                ClefEvent.SidecarOrigin,
                properties,
                exception?.ToString()));
        }
    }
}
