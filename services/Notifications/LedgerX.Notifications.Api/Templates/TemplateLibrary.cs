using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Encodings.Web;
using Fluid;
using Fluid.Values;
using LedgerX.Notifications.Api.Intake;
using LedgerX.Notifications.Api.Preferences;

namespace LedgerX.Notifications.Api.Templates;

/// <summary>A rendered message: the subject (e-mail) or title (push), the text, and the HTML (e-mail only), with the
/// template it came from (recorded with the notification, so a later template change never rewrites history).</summary>
public sealed record RenderedMessage(string TemplateId, string? Subject, string Text, string? Html);

/// <summary>
/// Versioned Liquid templates (Fluid), embedded: <c>Templates/{channel}/{kind}.v{n}.{language}.liquid</c>, falling back to
/// <c>_default.v{n}.{language}</c> for a kind without its own, and to English for a language without the template.
/// A file's sections are separated by a line <c>---</c>: e-mail has subject, text and HTML; push has title and text;
/// SMS has the text only. The HTML section is rendered with HTML encoding, the others as plain text; templates see only
/// the string values set here (no .NET members), so a template cannot reach anything else.
/// </summary>
public sealed class TemplateLibrary
{
    public const int Version = 1;
    public const string DefaultTemplate = "_default";
    private const string SectionSeparator = "\n---\n";

    private static readonly FluidParser Parser = new();

    /// <summary>Encodes what HTML needs (&lt; &gt; &amp; quotes) but leaves letters such as ä as they are: mails are UTF-8.</summary>
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);
    private readonly ConcurrentDictionary<string, IFluidTemplate[]?> _parsed = new();
    private readonly TemplateOptions _options = TemplateOptions.Default;

    /// <summary>The id of the template used for (channel, kind, language): the most specific that exists.</summary>
    public static string Resolve(string channel, string kind, string language)
    {
        foreach (var (name, lang) in new[] { (kind, language), (kind, Languages.English), (DefaultTemplate, language), (DefaultTemplate, Languages.English) })
        {
            var id = Id(channel, name, lang);
            if (Exists(id))
            {
                return id;
            }
        }
        throw new InvalidOperationException($"No template for {channel}/{kind} in any language.");
    }

    public static string Id(string channel, string name, string language) =>
        string.Create(CultureInfo.InvariantCulture, $"{channel}/{name}.v{Version}.{language}");

    public RenderedMessage Render(string channel, UserEvent e, string language)
    {
        ArgumentNullException.ThrowIfNull(e);
        var id = Resolve(channel, e.Kind, language);
        var sections = _parsed.GetOrAdd(id, Parse) ?? throw new InvalidOperationException($"Template {id} does not parse.");
        var context = new TemplateContext(_options);
        foreach (var (key, value) in Fields(e, language))
        {
            context.SetValue(key, FluidValue.Create(value, _options));
        }
        string Text(int index) => sections[index].Render(context, NullEncoder.Default).Trim();
        return channel switch
        {
            Channels.Email => new RenderedMessage(id, Text(0), Text(1), sections[2].Render(context, Html).Trim()),
            Channels.Push => new RenderedMessage(id, Text(0), Text(1), null),
            _ => new RenderedMessage(id, null, Text(0), null),
        };
    }

    /// <summary>What a template can use: the event's public data, the secret token only for the mandatory e-mails, and
    /// the amount, account, time and title formatted for the language.</summary>
    public static IReadOnlyDictionary<string, string> Fields(UserEvent e, string language)
    {
        ArgumentNullException.ThrowIfNull(e);
        var fields = new Dictionary<string, string>(UserEventData.Public(e.Data), StringComparer.Ordinal)
        {
            ["kind"] = e.Kind,
            ["title"] = KindTitles.For(e.Kind, language),
            ["occurredAt"] = e.OccurredAt.UtcDateTime.ToString(language == Languages.German ? "dd.MM.yyyy HH:mm 'UTC'" : "yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
        };
        if (NotificationPreferences.MandatoryKinds.Contains(e.Kind) && e.Data.TryGetValue(UserEventData.SecretToken, out var token))
        {
            fields["token"] = token;
        }
        if (e.Amount is { } amount)
        {
            fields["amount"] = MoneyFormat.Format(amount, language);
        }
        if (e.AccountId is { } account)
        {
            fields["account"] = account.ToString();
            fields["accountShort"] = account.ToString("N", CultureInfo.InvariantCulture)[^8..];
        }
        if (e.Data.TryGetValue(UserEventData.BalanceAfter, out var balance) && e.Amount is { } money
            && long.TryParse(balance, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var minor))
        {
            fields[UserEventData.BalanceAfter] = MoneyFormat.Format(money with { Amount = minor }, language);
        }
        return fields;
    }

    private static bool Exists(string id) => typeof(TemplateLibrary).Assembly.GetManifestResourceInfo(ResourceName(id)) is not null;

    private static string ResourceName(string id) => "NotificationTemplates/" + id + ".liquid";

    private static IFluidTemplate[]? Parse(string id)
    {
        using var stream = typeof(TemplateLibrary).Assembly.GetManifestResourceStream(ResourceName(id))!;
        using var reader = new StreamReader(stream);
        var source = reader.ReadToEnd().ReplaceLineEndings("\n");
        var parsed = new List<IFluidTemplate>();
        foreach (var section in source.Split(SectionSeparator))
        {
            if (!Parser.TryParse(section, out var template, out _))
            {
                return null;
            }
            parsed.Add(template);
        }
        return [.. parsed];
    }
}
