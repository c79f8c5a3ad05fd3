using System.Runtime.InteropServices;

namespace LedgerX.Pact.Native;

/// <summary>The C library's environment, which native code reads (Environment.SetEnvironmentVariable does not reach it).</summary>
internal static partial class LibC
{
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int SetEnv(string name, string value, int overwrite);
}
