using Microsoft.Extensions.Logging;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>One log entry, formatted.</summary>
public sealed record LogEntry(string Category, LogLevel Level, string Message);

/// <summary>Every log entry a host writes, formatted, for assertions on what is (and is not) logged.</summary>
public sealed class RecordingLoggerProvider : ILoggerProvider
{
    public List<LogEntry> Entries { get; } = [];

    public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Recorder(RecordingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner.Entries)
            {
                owner.Entries.Add(new LogEntry(category, logLevel, formatter(state, exception)));
            }
        }
    }
}
