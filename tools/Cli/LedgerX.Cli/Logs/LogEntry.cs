using System.Globalization;
using System.Text;
using LedgerX.LocalDapr.Launcher;

namespace LedgerX.Cli.Logs;

/// <summary>One event of one app's log file, as <c>./ledgerx logs</c> prints it.</summary>
internal sealed record LogEntry(string AppId, ClefEvent Event)
{
    /// <summary>The app's own name, or <c>app/daprd</c> for its sidecar's events.</summary>
    public string Source => Event.Origin == ClefEvent.SidecarOrigin ? AppId + "/daprd" : AppId;

    /// <summary><c>12:04:31.250 transaction-service INF OutboxRelay: relayed 3 events</c>, then any exception's lines.</summary>
    public void WriteReadable(TextWriter output, int sourceWidth)
    {
        bool first = true;
        foreach (string line in Event.Render())
        {
            if (first)
            {
                // Render() begins with the time (12 characters); the source goes after it.
                output.Write(line.AsSpan(0, 12));
                output.Write(' ');
                output.Write(Source.PadRight(sourceWidth));
                output.WriteLine(line.AsSpan(12));
                first = false;
            }
            else
            {
                output.WriteLine(line);
            }
        }
    }

    /// <summary>The event's line as the file holds it, with the app id added first (<c>"AppId"</c>).</summary>
    public void WriteJson(TextWriter output)
    {
        var line = new StringBuilder();
        line.Append("{\"AppId\":").Append(System.Text.Json.JsonSerializer.Serialize(AppId));
        string rest = Event.Json.AsSpan(1).TrimStart().ToString();
        line.Append(rest.StartsWith('}') ? "" : ",").Append(rest);
        output.WriteLine(line.ToString());
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Event.Timestamp:O} {Source} {Event.Message}");
}
