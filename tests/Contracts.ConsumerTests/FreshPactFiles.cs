using LedgerX.Contracts.ConsumerTests;

[assembly: AssemblyFixture(typeof(FreshPactFiles))]

namespace LedgerX.Contracts.ConsumerTests;

/// <summary>
/// Runs once, before any test of the assembly: deletes the pact files of the pairs this assembly writes. The tests then
/// write them anew (merging interaction by interaction), so the files hold exactly what the tests declare: an
/// interaction that was renamed or removed disappears instead of being verified against the provider forever.
/// Run the whole project to regenerate them (a filtered run writes only the filtered tests' interactions).
/// </summary>
public sealed class FreshPactFiles
{
    public FreshPactFiles()
    {
        foreach (var pair in Pacts.Written)
        {
            File.Delete(Pacts.FileOf(pair));
        }
    }
}
