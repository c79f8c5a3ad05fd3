using System.Runtime.InteropServices;

namespace LedgerX.Pact.Native;

/// <summary>
/// P/Invoke declarations for pact_ffi 0.5.8 (the .so from @pact-foundation/pact-core-linux-x64-glibc@20.2.0).
/// Rust <c>bool</c> is one byte, hence <see cref="UnmanagedType.U1"/> on every bool; strings the library returns are
/// <see cref="IntPtr"/> so the caller decides who frees them (see <see cref="PactNative"/>).
/// </summary>
internal static partial class NativeMethods
{
    private const string Library = "pact_ffi";

    // ---- library and logging ----

    [LibraryImport(Library)]
    internal static partial IntPtr pactffi_version();

    /// <summary>Process-wide: sets up the logger with an in-memory sink per mock server / verifier task. 0 = ok.</summary>
    [LibraryImport(Library)]
    internal static partial int pactffi_log_to_buffer(int levelFilter);

    [LibraryImport(Library)]
    internal static partial void pactffi_string_delete(IntPtr s);

    // ---- pact model (consumer side) ----

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial ushort pactffi_new_pact(string consumer, string provider);

    [LibraryImport(Library)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool pactffi_with_specification(ushort pact, int specification);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool pactffi_with_pact_metadata(ushort pact, string @namespace, string name, string value);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial uint pactffi_new_interaction(ushort pact, string description);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool pactffi_given(uint interaction, string description);

    /// <summary>0 ok; 1 the mock server already started; 2 params not JSON; 3 invalid strings.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int pactffi_given_with_params(uint interaction, string description, string paramsJson);

    /// <summary>path may be plain or a matcher/generator JSON document.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool pactffi_with_request(uint interaction, string method, string path);

    /// <summary>value may be plain or a matcher/generator JSON document.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool pactffi_with_query_parameter_v2(uint interaction, string name, nuint index, string value);

    /// <summary>part: 0 request, 1 response. value may be plain or a matcher/generator JSON document.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool pactffi_with_header_v2(uint interaction, int part, string name, nuint index, string value);

    /// <summary>Body JSON may hold "pact:matcher:type" documents; sets Content-Type unless a header did.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool pactffi_with_body(uint interaction, int part, string contentType, string body);

    [LibraryImport(Library)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool pactffi_response_status(uint interaction, ushort status);

    [LibraryImport(Library)]
    internal static partial uint pactffi_free_pact_handle(ushort pact);

    // ---- mock server ----

    /// <summary>Returns the port, or a negative error code.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int pactffi_create_mock_server_for_transport(
        ushort pact, string address, ushort port, string? transport, string? transportConfig);

    [LibraryImport(Library)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool pactffi_mock_server_matched(int port);

    /// <summary>JSON owned by the mock server (freed by cleanup): never free it.</summary>
    [LibraryImport(Library)]
    internal static partial IntPtr pactffi_mock_server_mismatches(int port);

    /// <summary>Log text owned by the mock server (freed by cleanup): never free it. Null without a buffer sink.</summary>
    [LibraryImport(Library)]
    internal static partial IntPtr pactffi_mock_server_logs(int port);

    /// <summary>0 ok; 1 panic; 2 I/O error; 3 no such mock server. overwrite=false merges with an existing file.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int pactffi_write_pact_file(int port, string directory, [MarshalAs(UnmanagedType.U1)] bool overwrite);

    [LibraryImport(Library)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool pactffi_cleanup_mock_server(int port);

    // ---- verifier ----

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr pactffi_verifier_new_for_application(string name, string version);

    [LibraryImport(Library)]
    internal static partial void pactffi_verifier_shutdown(IntPtr handle);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void pactffi_verifier_set_provider_info(
        IntPtr handle, string name, string scheme, string host, ushort port, string path);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void pactffi_verifier_set_provider_state(IntPtr handle, string url, byte teardown, byte body);

    [LibraryImport(Library)]
    internal static partial int pactffi_verifier_set_verification_options(IntPtr handle, byte disableSslVerification, ulong requestTimeoutMs);

    [LibraryImport(Library)]
    internal static partial int pactffi_verifier_set_coloured_output(IntPtr handle, byte coloured);

    [LibraryImport(Library)]
    internal static partial int pactffi_verifier_set_no_pacts_is_error(IntPtr handle, byte isError);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void pactffi_verifier_add_file_source(IntPtr handle, string file);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void pactffi_verifier_add_directory_source(IntPtr handle, string directory);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void pactffi_verifier_broker_source_with_selectors(
        IntPtr handle,
        string url,
        string? username,
        string? password,
        string? token,
        byte enablePending,
        string? includeWipPactsSince,
        string[]? providerTags,
        ushort providerTagsLength,
        string? providerBranch,
        string[]? consumerVersionSelectors,
        ushort consumerVersionSelectorsLength,
        string[]? consumerVersionTags,
        ushort consumerVersionTagsLength);

    /// <summary>0 ok; 1 bad handle; 2 bad provider version.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int pactffi_verifier_set_publish_options(
        IntPtr handle, string providerVersion, string? buildUrl, string[]? providerTags, ushort providerTagsLength, string? providerBranch);

    /// <summary>0 passed; 1 failed; 2 panic. Blocks until every interaction was verified.</summary>
    [LibraryImport(Library)]
    internal static partial int pactffi_verifier_execute(IntPtr handle);

    /// <summary>Owned by the caller: free with pactffi_string_delete.</summary>
    [LibraryImport(Library)]
    internal static partial IntPtr pactffi_verifier_output(IntPtr handle, byte stripAnsi);

    /// <summary>Owned by the caller: free with pactffi_string_delete.</summary>
    [LibraryImport(Library)]
    internal static partial IntPtr pactffi_verifier_json(IntPtr handle);

    /// <summary>Owned by the caller: free with pactffi_string_delete.</summary>
    [LibraryImport(Library)]
    internal static partial IntPtr pactffi_verifier_logs(IntPtr handle);
}
