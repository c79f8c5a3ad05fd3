using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LedgerX.LocalDapr.Launcher;

/// <summary>
/// One line of an app's log file: a Compact Log Event Format object (CLEF, what Serilog's compact JSON formatters,
/// Seq and <c>clef-tool</c> read and write): <c>@t</c> time, <c>@m</c> rendered message (or <c>@mt</c> template),
/// <c>@l</c> level (absent: Information), <c>@x</c> exception, <c>@tr</c>/<c>@sp</c> trace and span ids, then the
/// event's properties (<c>SourceContext</c>: the logging class). The launcher adds <see cref="OriginProperty"/> to the
/// lines it writes itself: the sidecar's events and an app's output that was not JSON.
/// </summary>
public sealed record ClefEvent(
    DateTimeOffset Timestamp,
    ClefLevel Level,
    string Message,
    string? Category,
    string? TraceId,
    string? SpanId,
    string? Exception,
    string? Origin,
    string Json)
{
    /// <summary>Who wrote a line the app did not write as JSON: <c>daprd</c> (its sidecar), <c>stdout</c> or <c>stderr</c>.</summary>
    public const string OriginProperty = "Origin";

    public const string SidecarOrigin = "daprd";

    /// <summary>Reads one line; null when it is not a JSON object with a valid <c>@t</c> (plain text, a torn line).</summary>
    public static ClefEvent? TryParse(string line)
    {
        if (line.Length < 2 || line[0] != '{')
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("@t", out var t) || t.ValueKind != JsonValueKind.String
                || !DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var timestamp))
            {
                return null;
            }

            return new ClefEvent(
                timestamp,
                ClefLevels.Parse(Text(root, "@l")) ?? ClefLevel.Information,
                Text(root, "@m") ?? Text(root, "@mt") ?? "",
                Text(root, "SourceContext"),
                Text(root, "@tr"),
                Text(root, "@sp"),
                Text(root, "@x"),
                Text(root, OriginProperty),
                line);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A line an app wrote that is not CLEF (build output, a runtime crash report), kept as its message.</summary>
    public static ClefEvent FromPlainLine(DateTimeOffset now, string line, bool stderr)
    {
        string origin = stderr ? "stderr" : "stdout";
        var level = stderr ? ClefLevel.Error : ClefLevel.Information;
        return new ClefEvent(now, level, line, null, null, null, null, origin, Write(now, level, line, null, null, null, null, origin, []));
    }

    /// <summary>One CLEF line (no newline) with the given fields and extra properties (strings, numbers, booleans).</summary>
    public static string Write(
        DateTimeOffset timestamp,
        ClefLevel level,
        string message,
        string? template,
        string? category,
        string? traceId,
        string? spanId,
        string? origin,
        IEnumerable<KeyValuePair<string, object?>> properties,
        string? exception = null)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("@t", timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            json.WriteString("@m", message);
            if (template is not null)
            {
                json.WriteString("@mt", template);
            }

            if (level != ClefLevel.Information)
            {
                json.WriteString("@l", level.ToString());
            }

            if (exception is not null)
            {
                json.WriteString("@x", exception);
            }

            if (traceId is not null && spanId is not null)
            {
                json.WriteString("@tr", traceId);
                json.WriteString("@sp", spanId);
            }

            if (category is not null)
            {
                json.WriteString("SourceContext", category);
            }

            if (origin is not null)
            {
                json.WriteString(OriginProperty, origin);
            }

            foreach (var (name, value) in properties)
            {
                if (name.Length == 0 || name[0] == '@' || name is "SourceContext" or OriginProperty or "{OriginalFormat}")
                {
                    continue;
                }

                switch (value)
                {
                    case null: json.WriteNull(name); break;
                    case bool b: json.WriteBoolean(name, b); break;
                    case int or long or short or byte or uint or ulong or ushort or sbyte:
                        json.WriteNumber(name, Convert.ToInt64(value, CultureInfo.InvariantCulture)); break;
                    case double or float or decimal:
                        json.WriteNumber(name, Convert.ToDouble(value, CultureInfo.InvariantCulture)); break;
                    default: json.WriteString(name, Convert.ToString(value, CultureInfo.InvariantCulture)); break;
                }
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>
    /// The readable line a person sees (<c>12:04:31.250 INF OutboxRelay: relayed 3 events</c>, as the services'
    /// own text format prints it), then the exception's lines, if any.
    /// </summary>
    public IEnumerable<string> Render()
    {
        var line = new StringBuilder();
        line.Append(Timestamp.ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)).Append(' ').Append(ClefLevels.Abbreviation(Level)).Append(' ');
        if (Category is not null)
        {
            line.Append(ShortName(Category)).Append(": ");
        }

        line.Append(Message.ReplaceLineEndings(" ").TrimEnd());
        yield return line.ToString();
        if (Exception is not null)
        {
            foreach (string exceptionLine in Exception.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'))
            {
                yield return exceptionLine;
            }
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary><c>LedgerX.Transactions.Api.Outbox.OutboxRelay</c> → <c>OutboxRelay</c>; generic arity is dropped too.</summary>
    private static string ShortName(string category)
    {
        int generic = category.IndexOf('`', StringComparison.Ordinal);
        string name = generic < 0 ? category : category[..generic];
        return name[(name.LastIndexOf('.') + 1)..];
    }
}

/// <summary>Serilog's levels, as CLEF names them in <c>@l</c>.</summary>
public enum ClefLevel
{
    Verbose,
    Debug,
    Information,
    Warning,
    Error,
    Fatal,
}

public static class ClefLevels
{
    /// <summary>The names people type: Serilog's, Microsoft.Extensions.Logging's, and both sets of short forms.</summary>
    public static ClefLevel? Parse(string? name) => name?.Trim().ToUpperInvariant() switch
    {
        "VERBOSE" or "VRB" or "TRACE" or "TRCE" => ClefLevel.Verbose,
        "DEBUG" or "DBG" or "DBUG" => ClefLevel.Debug,
        "INFORMATION" or "INFO" or "INF" => ClefLevel.Information,
        "WARNING" or "WARN" or "WRN" => ClefLevel.Warning,
        "ERROR" or "ERR" or "FAIL" => ClefLevel.Error,
        "FATAL" or "FTL" or "CRITICAL" or "CRIT" => ClefLevel.Fatal,
        _ => null,
    };

    public static ClefLevel FromLogLevel(Microsoft.Extensions.Logging.LogLevel level) => level switch
    {
        Microsoft.Extensions.Logging.LogLevel.Trace => ClefLevel.Verbose,
        Microsoft.Extensions.Logging.LogLevel.Debug => ClefLevel.Debug,
        Microsoft.Extensions.Logging.LogLevel.Information => ClefLevel.Information,
        Microsoft.Extensions.Logging.LogLevel.Warning => ClefLevel.Warning,
        Microsoft.Extensions.Logging.LogLevel.Error => ClefLevel.Error,
        _ => ClefLevel.Fatal,
    };

    public static string Abbreviation(ClefLevel level) => level switch
    {
        ClefLevel.Verbose => "VRB",
        ClefLevel.Debug => "DBG",
        ClefLevel.Information => "INF",
        ClefLevel.Warning => "WRN",
        ClefLevel.Error => "ERR",
        _ => "FTL",
    };
}
