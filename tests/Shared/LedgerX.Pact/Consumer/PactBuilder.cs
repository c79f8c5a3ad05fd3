using System.Runtime.ExceptionServices;
using LedgerX.Pact.Native;

namespace LedgerX.Pact;

/// <summary>
/// The interactions one consumer expects of one provider. Declare them with <see cref="UponReceiving"/>, then
/// <see cref="VerifyAsync"/> runs the consumer code against a Pact mock server and, if every interaction was
/// matched exactly, merges them into <c>&lt;consumer&gt;-&lt;provider&gt;.json</c> in the pact directory.
/// </summary>
public sealed class PactBuilder
{
    private const int SpecificationV4 = 5;

    private readonly List<InteractionBuilder> _interactions = [];

    public PactBuilder(string consumer, string provider, string pactDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(consumer);
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        ArgumentException.ThrowIfNullOrWhiteSpace(pactDirectory);
        Consumer = consumer;
        Provider = provider;
        PactDirectory = Path.GetFullPath(pactDirectory);
    }

    public string Consumer { get; }

    public string Provider { get; }

    public string PactDirectory { get; }

    /// <summary>The file <see cref="VerifyAsync"/> writes to.</summary>
    public string PactFile => Path.Combine(PactDirectory, $"{Consumer}-{Provider}.json");

    /// <summary>A new synchronous HTTP interaction. Descriptions are the interaction's identity in the pact file: keep them unique.</summary>
    public InteractionBuilder UponReceiving(string description)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        if (_interactions.Any(i => i.Description == description))
        {
            throw new InvalidOperationException($"Interaction '{description}' is already declared on this pact.");
        }

        var interaction = new InteractionBuilder(description);
        _interactions.Add(interaction);
        return interaction;
    }

    /// <summary>
    /// Starts a mock server (127.0.0.1, a free port) with every interaction declared since the last call, runs
    /// <paramref name="exercise"/> with its base address, then throws <see cref="PactMismatchException"/> if any
    /// interaction was missed, differed or was unexpected; otherwise merges the interactions into <see cref="PactFile"/>.
    /// The mock server is always shut down; the declared interactions are consumed either way.
    /// </summary>
    public async Task VerifyAsync(Func<Uri, Task> exercise)
    {
        ArgumentNullException.ThrowIfNull(exercise);
        if (_interactions.Count == 0)
        {
            throw new InvalidOperationException("No interaction declared: call UponReceiving(...) first.");
        }

        var interactions = _interactions.ToArray();
        _interactions.Clear();

        PactNative.EnsureInitialised();
        var pact = NativeMethods.pactffi_new_pact(Consumer, Provider);
        try
        {
            if (!NativeMethods.pactffi_with_specification(pact, SpecificationV4))
            {
                throw new InvalidOperationException("pact_ffi refused the V4 specification.");
            }

            foreach (var interaction in interactions)
            {
                interaction.Declare(pact);
            }

            var port = NativeMethods.pactffi_create_mock_server_for_transport(pact, "127.0.0.1", 0, "http", null);
            if (port <= 0)
            {
                throw new InvalidOperationException($"The Pact mock server did not start (pact_ffi error {port}).");
            }

            try
            {
                await RunAndWriteAsync(port, exercise);
            }
            finally
            {
                NativeMethods.pactffi_cleanup_mock_server(port);
            }
        }
        finally
        {
            NativeMethods.pactffi_free_pact_handle(pact);
        }
    }

    private async Task RunAndWriteAsync(int port, Func<Uri, Task> exercise)
    {
        ExceptionDispatchInfo? exerciseFailure = null;
        try
        {
            await exercise(new Uri($"http://127.0.0.1:{port}/"));
        }
#pragma warning disable CA1031 // The consumer code may fail *because* of a mismatch: report the mismatch first.
        catch (Exception e)
#pragma warning restore CA1031
        {
            exerciseFailure = ExceptionDispatchInfo.Capture(e);
        }

        if (!NativeMethods.pactffi_mock_server_matched(port))
        {
            var mismatchesJson = PactNative.Borrowed(NativeMethods.pactffi_mock_server_mismatches(port)) ?? "[]";
            var logs = PactNative.Borrowed(NativeMethods.pactffi_mock_server_logs(port));
            throw new PactMismatchException(Consumer, Provider, mismatchesJson, logs, exerciseFailure?.SourceException);
        }

        exerciseFailure?.Throw();

        await PactFileWriter.WriteAsync(port, PactDirectory, PactFile);
    }
}
