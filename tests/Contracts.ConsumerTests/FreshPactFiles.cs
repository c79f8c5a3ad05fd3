using LedgerX.Contracts.ConsumerTests;

[assembly: AssemblyFixture(typeof(FreshPactFiles))]

namespace LedgerX.Contracts.ConsumerTests;

/// <summary>
/// The run's pact files are written to a staging folder and move into contracts/pacts only when the run ends. Each file
/// is then exactly what this run's tests declared (an interaction that was renamed or removed disappears instead of
/// being verified against the provider forever), and it replaces the committed one by an atomic rename, so a provider
/// verifying contracts/pacts at the same moment reads the old file or the new one, never a missing or half-written one.
/// A pair no test of this run wrote (a filtered run) keeps its file; a filtered run that did write a pair writes only
/// its tests' interactions: regenerate with the whole project.
/// </summary>
public sealed class FreshPactFiles : IDisposable
{
    public FreshPactFiles()
    {
        // Left over by a run that was killed before it could publish.
        if (Directory.Exists(Pacts.StagingDirectory))
        {
            Directory.Delete(Pacts.StagingDirectory, recursive: true);
        }
        Directory.CreateDirectory(Pacts.StagingDirectory);
    }

    public void Dispose()
    {
        foreach (var pair in Pacts.Written)
        {
            var staged = Path.Combine(Pacts.StagingDirectory, Pacts.FileNameOf(pair));
            if (File.Exists(staged))
            {
                File.Move(staged, Pacts.FileOf(pair), overwrite: true);
            }
        }
        Directory.Delete(Pacts.StagingDirectory, recursive: true);
    }
}
