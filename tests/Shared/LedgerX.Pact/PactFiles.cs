using System.Text.Json;

namespace LedgerX.Pact;

/// <summary>Where the repository keeps its pact files, and which of them concern a provider.</summary>
public static class PactFiles
{
    private const string SolutionFile = "LedgerX.Dapr.sln";

    /// <summary>&lt;repository root (the folder holding LedgerX.Dapr.sln)&gt;/contracts/pacts, found upwards from the test assembly.</summary>
    public static string RepositoryPactDirectory()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
                {
                    return Path.Combine(dir.FullName, "contracts", "pacts");
                }
            }
        }

        throw new InvalidOperationException($"No {SolutionFile} above {AppContext.BaseDirectory}: run the tests from inside the repository.");
    }

    /// <summary>The pact files in <paramref name="directory"/> whose provider.name is <paramref name="provider"/>, sorted by path.</summary>
    public static IReadOnlyList<string> ForProvider(string directory, string provider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        if (!Directory.Exists(directory))
        {
            return [];
        }

        return Directory.EnumerateFiles(directory, "*.json", SearchOption.TopDirectoryOnly)
            .Where(file => ProviderOf(file) == provider)
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    private static string? ProviderOf(string file)
    {
        try
        {
            using var stream = File.OpenRead(file);
            using var document = JsonDocument.Parse(stream);
            return document.RootElement.TryGetProperty("provider", out var p) && p.TryGetProperty("name", out var name)
                ? name.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null; // Not a pact file.
        }
    }
}
