using System.Runtime.InteropServices;

namespace LedgerX.Pact.Native;

/// <summary>What every entry point into pact_ffi needs first: process-wide set-up, and string ownership rules.</summary>
internal static class PactNative
{
    // pact_ffi's LevelFilter: Off, Error, Warn, Info, Debug, Trace.
    private const int LogLevelInfo = 3;

    private static readonly Lazy<string> Initialised = new(Initialise, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The engine's version, e.g. "0.5.8"; the first call sets up logging for the whole process.</summary>
    public static string Version => Initialised.Value;

    /// <summary>Call before any other pact_ffi function. Idempotent and thread-safe.</summary>
    public static void EnsureInitialised() => _ = Initialised.Value;

    private static string Initialise()
    {
        // pact_ffi sends usage statistics unless PACT_DO_NOT_TRACK=true is in the *process* environment. The project's
        // scripts export it; this covers a test run started any other way (an IDE, a bare `dotnet test`). It never
        // overrides a value that is already set (overwrite = 0), and runs before pact_ffi starts any thread.
        _ = LibC.SetEnv("PACT_DO_NOT_TRACK", "true", overwrite: 0);

        // The logger is global to the process and can be set up once only: a second call fails. The buffer sink
        // keeps each mock server's and verifier's log apart, so parallel tests can read their own.
        var rc = NativeMethods.pactffi_log_to_buffer(LogLevelInfo);
        if (rc != 0)
        {
            throw new InvalidOperationException($"pact_ffi could not set up its log buffer (error {rc}).");
        }

        // Static string inside the library: never freed.
        return Marshal.PtrToStringUTF8(NativeMethods.pactffi_version()) ?? "unknown";
    }

    /// <summary>Copies a string the library still owns (mock-server mismatches and logs, the version).</summary>
    public static string? Borrowed(IntPtr s) => s == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(s);

    /// <summary>Copies and frees a string the caller owns (verifier output, JSON, logs).</summary>
    public static string? Owned(IntPtr s)
    {
        if (s == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(s);
        }
        finally
        {
            NativeMethods.pactffi_string_delete(s);
        }
    }
}
