using LedgerX.Cli.Tests.Repository;

namespace LedgerX.Cli.Tests.Test;

/// <summary>
/// <c>./ledgerx test</c> runs the consumer contract tests in a phase of their own, then everything else with the MSBuild
/// property that takes them out (Directory.Build.targets). The property used to name the project file
/// (<c>...ConsumerTests.csproj</c>) where the targets compare project names, so nothing matched and they ran twice. This
/// evaluates the consumer project with exactly the property the script passes, as <c>dotnet test</c> does.
/// </summary>
public sealed class ConsumerContractsRunOnceTests
{
    private const string ConsumerProject = "tests/Contracts.ConsumerTests/LedgerX.Contracts.ConsumerTests.csproj";

    [Fact]
    public async Task TheSecondPhasesProperty_MakesTheConsumerTestsNoTestProject()
    {
        var ct = TestContext.Current.CancellationToken;
        var property = await Bash.RunAsync("source ./ledgerx && skip_consumer_tests_property", ct: ct);
        property.ExitCode.ShouldBe(0, property.Output);

        var skipped = await EvaluateAsync(property.StdOut.Trim(), ct);
        var included = await EvaluateAsync("", ct);

        skipped.ShouldBe("false|false", "with the property, dotnet test must not pick the consumer tests again");
        included.ShouldBe("true|true", "without it the project is a test project (the check above means something)");
    }

    /// <summary>"IsTestingPlatformApplication|IsTestProject" of the consumer project, as MSBuild evaluates them.</summary>
    private static async Task<string> EvaluateAsync(string property, CancellationToken ct)
    {
        var run = await Bash.RunAsync(
            $"dotnet msbuild {ConsumerProject} -nologo -p:Configuration=Release {property} " +
            "-getProperty:IsTestingPlatformApplication -getProperty:IsTestProject", ct: ct);
        run.ExitCode.ShouldBe(0, run.Output);
        using var json = System.Text.Json.JsonDocument.Parse(run.StdOut);
        var properties = json.RootElement.GetProperty("Properties");
        return $"{properties.GetProperty("IsTestingPlatformApplication").GetString()!.ToLowerInvariant()}|{properties.GetProperty("IsTestProject").GetString()!.ToLowerInvariant()}";
    }
}
