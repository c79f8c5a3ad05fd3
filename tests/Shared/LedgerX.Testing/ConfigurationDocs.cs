using System.Collections;
using System.Globalization;
using System.Reflection;

namespace LedgerX.Testing;

/// <summary>A setting that docs/configuration.md does not describe as the code has it.</summary>
public sealed class UndocumentedSettingException(string message) : Exception(message);

/// <summary>
/// docs/configuration.md promises every setting a user may change, with its default. This checks an options class
/// against it: each public settable property of <paramref name="optionsType"/> bound from <paramref name="section"/> has a
/// table row naming its full key (<c>`Section:Name`</c>), and that row's default cell shows the default the code has.
/// A setting added without docs, or a default changed without them, fails the service's unit tests.
/// </summary>
public static class ConfigurationDocs
{
    public const string RelativePath = "docs/configuration.md";

    private static readonly Lazy<string[]> Lines = new(() => File.ReadAllLines(RepositoryRoot.PathOf("docs", "configuration.md")));

    public static void AssertDocumented(Type optionsType, string section)
    {
        ArgumentNullException.ThrowIfNull(optionsType);
        var defaults = Activator.CreateInstance(optionsType);
        var problems = new List<string>();
        foreach (var property in optionsType.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var key = $"{section}:{property.Name}";
            var row = Lines.Value.FirstOrDefault(l => l.StartsWith('|') && Cells(l)[0].Contains($"`{key}`", StringComparison.Ordinal));
            if (row is null)
            {
                problems.Add($"{key} has no row in {RelativePath}");
                continue;
            }
            if (Shown(property.GetValue(defaults)) is { } expected
                && !Cells(row)[1].Contains(expected, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{key}: the code's default is {expected}; {RelativePath} says '{Cells(row)[1]}'");
            }
        }
        if (problems.Count > 0)
        {
            throw new UndocumentedSettingException(string.Join(Environment.NewLine, problems));
        }
    }

    private static string[] Cells(string row) => [.. row.Trim('|').Split('|').Select(c => c.Trim())];

    /// <summary>How a default reads in the docs; null for values a table cell cannot show (lists: the row points to them).</summary>
    private static string? Shown(object? value) => value switch
    {
        null => "unset",
        string s => s,
        IFormattable f and not Enum => f.ToString(null, CultureInfo.InvariantCulture),
        Enum e => e.ToString(),
        IEnumerable => null,
        _ => value.ToString(),
    };
}
