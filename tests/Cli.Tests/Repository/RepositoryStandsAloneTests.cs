using System.Diagnostics;
using System.Text.RegularExpressions;

namespace LedgerX.Cli.Tests.Repository;

/// <summary>
/// A user has the repository and nothing else: no document may send them to a file they do not have. Every tracked file is
/// read; links in Markdown must land on a file or folder inside the checkout, and no file may cite the team's own design
/// notes that never ship with it.
/// </summary>
public sealed partial class RepositoryStandsAloneTests
{
    private static readonly string Root = Bash.RepositoryRoot;

    /// <summary>Documents that exist only outside the repository (the team's notes), cited by name or by path.</summary>
    [GeneratedRegex(@"shared/docs|\bDESIGN\.md|\bCONVENTIONS\.md|\bENVIRONMENT\.md|dapr-sidecar-spec|\bpact-ffi\.md|/work/(shared|main|wt)\b")]
    private static partial Regex OutsideDocument();

    /// <summary>A Markdown link or image: <c>[text](target)</c>, target up to the first space or closing parenthesis.</summary>
    [GeneratedRegex(@"\]\((?<target>[^)\s]+)")]
    private static partial Regex MarkdownLink();

    [Fact]
    public void NoTrackedFile_CitesADocumentOutsideTheRepository()
    {
        var citations = TrackedTextFiles()
            .Where(file => file != ThisFile)
            .SelectMany(file => File.ReadLines(Path.Combine(Root, file)).Select((line, index) => (file, line: index + 1, text: line)))
            .Where(l => OutsideDocument().IsMatch(l.text))
            .Select(l => $"{l.file}:{l.line}: {l.text.Trim()}")
            .ToList();

        citations.ShouldBeEmpty("write what users need in the repository's own docs (docs/design.md, docs/local-dapr.md, ...)");
    }

    [Fact]
    public void EveryLinkInTheDocs_ThatIsNotAWebAddress_LandsInsideTheRepository()
    {
        var broken = new List<string>();
        foreach (var file in TrackedTextFiles().Where(f => f.EndsWith(".md", StringComparison.Ordinal)))
        {
            var folder = Path.GetDirectoryName(Path.Combine(Root, file))!;
            foreach (Match link in MarkdownLink().Matches(File.ReadAllText(Path.Combine(Root, file))))
            {
                var target = link.Groups["target"].Value;
                if (target.StartsWith('#') || (Uri.TryCreate(target, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "mailto"))
                {
                    continue;
                }
                var path = Path.GetFullPath(Path.Combine(folder, Uri.UnescapeDataString(target.Split('#')[0])));
                bool inside = path == Root || path.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
                if (!inside || !(File.Exists(path) || Directory.Exists(path)))
                {
                    broken.Add($"{file}: ({target}) {(inside ? "does not exist" : "is outside the repository")}");
                }
            }
        }

        broken.ShouldBeEmpty();
    }

    [Fact]
    public void TheReadme_NamesEveryPackageThatUpAndTestInstall()
    {
        // devenv.sh's ensure_packages is the one list: each `missing+=(package)` is a Debian package it may install.
        var installed = PackagesInstalledBy().Matches(File.ReadAllText(Path.Combine(Root, "tools", "devenv", "devenv.sh")))
            .Select(m => m.Groups["package"].Value)
            .Distinct()
            .ToList();
        installed.ShouldContain("postgresql", "the list is read from ensure_packages");
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));

        installed.Where(package => !readme.Contains($"`{package}`", StringComparison.Ordinal)).ShouldBeEmpty();
    }

    [GeneratedRegex(@"missing\+=\((?<package>[a-z0-9.+-]+)\)")]
    private static partial Regex PackagesInstalledBy();

    private const string ThisFile = "tests/Cli.Tests/Repository/RepositoryStandsAloneTests.cs";

    private static readonly string[] BinaryExtensions = [".png", ".jpg", ".gif", ".ico", ".dll", ".so", ".zip", ".gz", ".snk", ".pfx"];

    /// <summary>What `git ls-files` lists; without git (a source archive), every file outside build output.</summary>
    private static List<string> TrackedTextFiles()
    {
        List<string> files;
        try
        {
            var git = new ProcessStartInfo("git", ["-C", Root, "ls-files", "-z"]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(git)!;
            var listed = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            files = process.ExitCode == 0 ? [.. listed.Split('\0', StringSplitOptions.RemoveEmptyEntries)] : WalkedFiles();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            files = WalkedFiles();
        }
        return [.. files.Where(f => !BinaryExtensions.Contains(Path.GetExtension(f)) && File.Exists(Path.Combine(Root, f)))];
    }

    private static List<string> WalkedFiles()
    {
        string[] skipped = ["bin", "obj", "node_modules", ".git", ".ledgerx", "TestResults"];
        return [.. Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Root, path).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(path => !path.Split('/').Any(part => skipped.Contains(part)))];
    }
}
