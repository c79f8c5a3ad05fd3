using System.Globalization;

namespace LedgerX.Nlp.Domain.Model;

/// <summary>The versioned system prompt (an embedded resource, Prompts/{Version}.md). A changed prompt is a new file and
/// a new version, so every stored answer says which instructions its phrasing followed.</summary>
public static class ModelPrompt
{
    public const string Version = "nlp-prompt-v1";

    private static readonly Lazy<string> Template = new(() =>
    {
        var name = $"LedgerX.Nlp.Domain.Model.Prompts.{Version}.md";
        using var stream = typeof(ModelPrompt).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The prompt {name} is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>The prompt for one question: today's date in the asker's zone and the answer language filled in.</summary>
    public static string For(TimeZoneInfo zone, DateTimeOffset now, string language) => Template.Value
        .Replace("{today}", TimeZoneInfo.ConvertTime(now, zone).ToString("yyyy-MM-dd (dddd)", CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{zone}", zone.Id, StringComparison.Ordinal)
        .Replace("{language}", language == "de" ? "German" : "English", StringComparison.Ordinal);
}
