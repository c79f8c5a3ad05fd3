using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;

namespace LedgerX.ServiceDefaults.Logging;

/// <summary>
/// One line per event for a person at a terminal: local time, level, the logging class's short name, the message
/// (<c>12:04:31.250 INF OutboxRelay: relayed 3 events</c>). No scopes and no property dump: what is not in the message
/// is in the JSON format. A message that spans lines is folded onto one; an exception, the one thing worth more than a
/// line, follows on the next lines in full.
/// </summary>
internal sealed class ReadableTextFormatter : ITextFormatter
{
    // {Message:lj}: strings as they are (not quoted), structured values as JSON, as Serilog's console themes print them.
    private readonly MessageTemplateTextFormatter _message = new("{Message:lj}", CultureInfo.InvariantCulture);

    public void Format(LogEvent logEvent, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        ArgumentNullException.ThrowIfNull(output);

        output.Write(logEvent.Timestamp.ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture));
        output.Write(' ');
        output.Write(Level(logEvent.Level));
        output.Write(' ');
        if (logEvent.Properties.TryGetValue("SourceContext", out var source) && source is ScalarValue { Value: string category })
        {
            output.Write(ShortName(category));
            output.Write(": ");
        }

        using var message = new StringWriter(CultureInfo.InvariantCulture);
        _message.Format(logEvent, message);
        output.Write(message.ToString().ReplaceLineEndings(" ").TrimEnd());
        output.WriteLine();
        if (logEvent.Exception is { } exception)
        {
            output.WriteLine(exception.ToString());
        }
    }

    private static string Level(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose => "VRB",
        LogEventLevel.Debug => "DBG",
        LogEventLevel.Information => "INF",
        LogEventLevel.Warning => "WRN",
        LogEventLevel.Error => "ERR",
        _ => "FTL",
    };

    /// <summary><c>LedgerX.Transactions.Api.Outbox.OutboxRelay</c> → <c>OutboxRelay</c>; generic arity is dropped too.</summary>
    private static string ShortName(string category)
    {
        int generic = category.IndexOf('`', StringComparison.Ordinal);
        string name = generic < 0 ? category : category[..generic];
        return name[(name.LastIndexOf('.') + 1)..];
    }
}
