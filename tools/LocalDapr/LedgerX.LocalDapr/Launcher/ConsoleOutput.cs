using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Launcher;

/// <summary>Serialises prefixed, optionally coloured lines from many apps and sidecars onto one writer.</summary>
public sealed class ConsoleOutput
{
    private static readonly string[] Palette = ["\u001b[36m", "\u001b[35m", "\u001b[33m", "\u001b[32m", "\u001b[34m", "\u001b[91m"];
    private readonly TextWriter _writer;
    private readonly bool _colour;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _colours = new(StringComparer.Ordinal);

    public ConsoleOutput(TextWriter writer, bool colour)
    {
        _writer = writer;
        _colour = colour;
    }

    public void Line(string source, string text)
    {
        lock (_gate)
        {
            if (_colour)
            {
                if (!_colours.TryGetValue(source, out string? c))
                {
                    _colours[source] = c = Palette[_colours.Count % Palette.Length];
                }

                _writer.WriteLine($"{c}[{source}]\u001b[0m {text}");
            }
            else
            {
                _writer.WriteLine($"[{source}] {text}");
            }

            _writer.Flush();
        }
    }

    public void Plain(string text)
    {
        lock (_gate)
        {
            _writer.WriteLine(text);
            _writer.Flush();
        }
    }
}

/// <summary>Sidecar logs as prefixed lines (<c>[app daprd] warn: ...</c>), like <c>dapr run</c> interleaves daprd's output.</summary>
public sealed class PrefixedLoggerProvider : ILoggerProvider
{
    private readonly ConsoleOutput _output;
    private readonly string _source;
    private readonly LogLevel _minimum;

    public PrefixedLoggerProvider(ConsoleOutput output, string source, LogLevel minimum)
    {
        _output = output;
        _source = source;
        _minimum = minimum;
    }

    public ILogger CreateLogger(string categoryName) => new PrefixedLogger(this);

    public void Dispose()
    {
    }

    private sealed class PrefixedLogger(PrefixedLoggerProvider owner) : ILogger
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

            string level = logLevel switch
            {
                LogLevel.Trace => "trce",
                LogLevel.Debug => "dbug",
                LogLevel.Information => "info",
                LogLevel.Warning => "warn",
                LogLevel.Error => "fail",
                _ => "crit",
            };
            string message = formatter(state, exception);
            if (exception is not null)
            {
                message += $" ({exception.GetType().Name}: {exception.Message})";
            }

            owner._output.Line(owner._source, $"{level}: {message}");
        }
    }
}
