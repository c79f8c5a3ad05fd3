using System.Text.RegularExpressions;
using LedgerX.Pact.Native;

namespace LedgerX.Pact;

/// <summary>
/// Replays pacts against a running provider. Configure it fluently, then <see cref="VerifyAsync"/>. Nothing native is
/// held between calls: each verification creates, runs and shuts down its own pact_ffi verifier.
/// </summary>
public sealed partial class PactVerifier : IDisposable
{
    /// <summary>Per request to the provider: a state set-up against a real database may take a while.</summary>
    private const ulong RequestTimeoutMs = 30_000;

    private readonly List<string> _files = [];
    private readonly List<string> _directories = [];
    private readonly List<PactBrokerSource> _brokers = [];
    private Uri? _endpoint;
    private Uri? _providerStateUrl;
    private (string Version, string? Branch, string? BuildUrl)? _publish;
    private bool _disposed;

    public PactVerifier(string provider, string providerVersion)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        ArgumentException.ThrowIfNullOrWhiteSpace(providerVersion);
        Provider = provider;
        ProviderVersion = providerVersion;
    }

    public string Provider { get; }

    public string ProviderVersion { get; }

    /// <summary>Where the provider listens, e.g. http://127.0.0.1:5123/ (a path prefix is kept).</summary>
    public PactVerifier WithHttpEndpoint(Uri baseUri)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        if (!baseUri.IsAbsoluteUri || baseUri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException("The provider endpoint must be an absolute http(s) URI.", nameof(baseUri));
        }

        _endpoint = baseUri;
        return this;
    }

    /// <summary>
    /// The provider-state endpoint: it receives POST <c>{"state", "params", "action": "setup"|"teardown"}</c> before
    /// and after each interaction and answers 2xx; a JSON object in a set-up answer feeds <see cref="Match.FromProviderState"/>.
    /// </summary>
    public PactVerifier WithProviderStateUrl(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        _providerStateUrl = url;
        return this;
    }

    public PactVerifier WithFileSource(string pactFile)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pactFile);
        var full = Path.GetFullPath(pactFile);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"No pact file at {full}.", full);
        }

        _files.Add(full);
        return this;
    }

    /// <summary>Every pact file in the directory (pact_ffi skips those naming another provider).</summary>
    public PactVerifier WithDirectorySource(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"No pact directory at {full}.");
        }

        _directories.Add(full);
        return this;
    }

    public PactVerifier WithBrokerSource(PactBrokerSource broker)
    {
        ArgumentNullException.ThrowIfNull(broker);
        _brokers.Add(broker);
        return this;
    }

    /// <summary>Publishes the results to the broker the pacts came from (only broker-sourced pacts have somewhere to go).</summary>
    public PactVerifier PublishResults(string providerVersion, string? branch, string? buildUrl = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(providerVersion);
        _publish = (providerVersion, string.IsNullOrWhiteSpace(branch) ? null : branch, string.IsNullOrWhiteSpace(buildUrl) ? null : buildUrl);
        return this;
    }

    /// <summary>
    /// Verifies every configured source. pact_ffi blocks until it is done, so it runs on a thread of its own; a
    /// cancellation stops the wait, not the verification already under way (which then finishes and cleans up alone).
    /// </summary>
    public Task<PactVerificationResult> VerifyAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_endpoint is null)
        {
            throw new InvalidOperationException("Call WithHttpEndpoint(...) first: the verifier needs the provider's address.");
        }

        if (_files.Count == 0 && _directories.Count == 0 && _brokers.Count == 0)
        {
            throw new InvalidOperationException("No pact source: call WithFileSource, WithDirectorySource or WithBrokerSource.");
        }

        ct.ThrowIfCancellationRequested();
        var run = new VerifierRun(
            Provider, _endpoint, _providerStateUrl, [.. _files], [.. _directories], [.. _brokers], _publish);
        return Task.Factory.StartNew(run.Execute, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            .WaitAsync(ct);
    }

    public void Dispose() => _disposed = true;

    [GeneratedRegex(@"\x1B\[[0-9;?]*[ -/]*[@-~]")]
    private static partial Regex Ansi();

    internal static string StripAnsi(string text) => Ansi().Replace(text, string.Empty);

    /// <summary>One verification: a snapshot of the configuration, and the native handle it owns start to end.</summary>
    private sealed record VerifierRun(
        string Provider,
        Uri Endpoint,
        Uri? ProviderStateUrl,
        string[] Files,
        string[] Directories,
        PactBrokerSource[] Brokers,
        (string Version, string? Branch, string? BuildUrl)? Publish)
    {
        public PactVerificationResult Execute()
        {
            PactNative.EnsureInitialised();
            var handle = NativeMethods.pactffi_verifier_new_for_application("LedgerX.Pact", PactNative.Version);
            if (handle == IntPtr.Zero)
            {
                throw new InvalidOperationException("pact_ffi could not create a verifier.");
            }

            try
            {
                Configure(handle);
                var rc = NativeMethods.pactffi_verifier_execute(handle);
                var output = PactNative.Owned(NativeMethods.pactffi_verifier_output(handle, 1)) ?? string.Empty;
                var json = PactNative.Owned(NativeMethods.pactffi_verifier_json(handle));
                var logs = PactNative.Owned(NativeMethods.pactffi_verifier_logs(handle));
                if (rc == 2)
                {
                    output += $"\npact_ffi's verifier failed before verifying (error 2). Its log:\n{logs}";
                }

                return new PactVerificationResult(rc == 0, StripAnsi(output), json) { Logs = logs is null ? null : StripAnsi(logs) };
            }
            finally
            {
                NativeMethods.pactffi_verifier_shutdown(handle);
            }
        }

        private void Configure(IntPtr handle)
        {
            var path = Endpoint.AbsolutePath.TrimEnd('/');
            NativeMethods.pactffi_verifier_set_provider_info(
                handle, Provider, Endpoint.Scheme, Endpoint.Host, checked((ushort)Endpoint.Port), path);
            NativeMethods.pactffi_verifier_set_coloured_output(handle, 0);
            NativeMethods.pactffi_verifier_set_verification_options(handle, 0, RequestTimeoutMs);
            NativeMethods.pactffi_verifier_set_no_pacts_is_error(handle, 1);

            if (ProviderStateUrl is not null)
            {
                // teardown: call the endpoint after each interaction too; body: state and params in a JSON body.
                NativeMethods.pactffi_verifier_set_provider_state(handle, ProviderStateUrl.AbsoluteUri, teardown: 1, body: 1);
            }

            foreach (var file in Files)
            {
                NativeMethods.pactffi_verifier_add_file_source(handle, file);
            }

            foreach (var directory in Directories)
            {
                NativeMethods.pactffi_verifier_add_directory_source(handle, directory);
            }

            foreach (var broker in Brokers)
            {
                string[] selectors = [.. broker.ConsumerVersionSelectors];
                NativeMethods.pactffi_verifier_broker_source_with_selectors(
                    handle,
                    broker.BaseUrl.AbsoluteUri.TrimEnd('/'),
                    broker.Username,
                    broker.Password,
                    broker.Token,
                    broker.EnablePending ? (byte)1 : (byte)0,
                    broker.IncludeWipPactsSince,
                    null,
                    0,
                    broker.ProviderBranch,
                    selectors.Length == 0 ? null : selectors,
                    checked((ushort)selectors.Length),
                    null,
                    0);
            }

            if (Publish is { } publish)
            {
                var rc = NativeMethods.pactffi_verifier_set_publish_options(handle, publish.Version, publish.BuildUrl, null, 0, publish.Branch);
                if (rc != 0)
                {
                    throw new InvalidOperationException($"pact_ffi refused the publish options (error {rc}).");
                }
            }
        }
    }
}
