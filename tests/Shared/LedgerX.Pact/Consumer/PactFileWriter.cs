using LedgerX.Pact.Native;

namespace LedgerX.Pact;

/// <summary>Writes (merges) a mock server's interactions into its pact file, one writer at a time.</summary>
internal static class PactFileWriter
{
    // Merging reads, changes and rewrites the file: two tests of the same pact finishing together must take turns.
    private static readonly SemaphoreSlim ProcessWide = new(1, 1);

    public static async Task WriteAsync(int port, string directory, string file)
    {
        Directory.CreateDirectory(directory);
        await ProcessWide.WaitAsync();
        try
        {
            var rc = NativeMethods.pactffi_write_pact_file(port, directory, overwrite: false);
            if (rc != 0)
            {
                throw new IOException($"pact_ffi could not write the pact file into {directory} (error {rc}).");
            }
        }
        finally
        {
            ProcessWide.Release();
        }
    }
}
