using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace LedgerX.Pact.Testing;

/// <summary>
/// What the stand-in broker knows, and the two judgements a broker makes from it: which pacts a provider must verify
/// (consumer version selectors, pending) and whether a pacticipant version can be deployed (the matrix). Thread-safe
/// by one lock: the verifier, the CLI and the test read and write it concurrently.
/// </summary>
internal sealed class BrokerState(IReadOnlyCollection<string> environments)
{
    /// <summary>Every pacticipant's main branch. The real broker takes it from the pacticipant (set explicitly, or the first
    /// of main/master/develop published); LedgerX's is main everywhere.</summary>
    public const string MainBranch = "main";

    private readonly Lock _lock = new();
    private readonly List<PublishedPact> _pacts = [];
    private readonly List<VerificationResult> _verifications = [];
    private readonly List<Deployment> _deployments = [];

    /// <summary>pacticipant → version → the branches it was recorded on, in order. A version exists once anything names it.</summary>
    private readonly Dictionary<string, Dictionary<string, List<string>>> _versions = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Environments { get; } = environments;

    public IReadOnlyList<PublishedPact> Pacts
    {
        get { lock (_lock) { return [.. _pacts]; } }
    }

    public IReadOnlyList<VerificationResult> Verifications
    {
        get
        {
            lock (_lock)
            {
                // The branch is resolved now: pact_ffi may record the provider version on its branch after posting the result.
                return [.. _verifications.Select(v => v with { ProviderBranch = BranchOf(v.Provider, v.ProviderVersion) })];
            }
        }
    }

    public IReadOnlyList<Deployment> Deployments
    {
        get { lock (_lock) { return [.. _deployments]; } }
    }

    public static string Sha(string content) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    public PublishedPact Publish(string consumer, string version, string? branch, string provider, string content, string? buildUrl)
    {
        var pact = new PublishedPact(consumer, version, branch, provider, content, Sha(content), buildUrl);
        lock (_lock)
        {
            // Publishing again for the same consumer version and provider overwrites (the CLI's default, onConflict=overwrite).
            _pacts.RemoveAll(p => p.Consumer == consumer && p.ConsumerVersion == version && p.Provider == provider);
            _pacts.Add(pact);
            AddVersion(consumer, version, branch);
            // Publishing creates the provider too (the real broker's pacticipants are both ends of every pact).
            _versions.TryAdd(provider, new Dictionary<string, List<string>>(StringComparer.Ordinal));
        }
        return pact;
    }

    public void AddVersion(string pacticipant, string version, string? branch)
    {
        lock (_lock)
        {
            if (!_versions.TryGetValue(pacticipant, out var versions))
            {
                _versions[pacticipant] = versions = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            }
            if (!versions.TryGetValue(version, out var branches))
            {
                versions[version] = branches = [];
            }
            if (branch is not null && !branches.Contains(branch))
            {
                branches.Add(branch);
            }
        }
    }

    public bool HasVersion(string pacticipant, string version)
    {
        lock (_lock)
        {
            return _versions.TryGetValue(pacticipant, out var versions) && versions.ContainsKey(version);
        }
    }

    public bool HasPacticipant(string pacticipant)
    {
        lock (_lock)
        {
            return _versions.ContainsKey(pacticipant);
        }
    }

    public PublishedPact? PactByContent(string provider, string consumer, string sha)
    {
        lock (_lock)
        {
            return _pacts.LastOrDefault(p => p.Provider == provider && p.Consumer == consumer && p.ContentSha == sha);
        }
    }

    public PublishedPact? PactOf(string consumer, string consumerVersion, string provider)
    {
        lock (_lock)
        {
            return _pacts.LastOrDefault(p => p.Consumer == consumer && p.ConsumerVersion == consumerVersion && p.Provider == provider);
        }
    }

    public VerificationResult RecordVerification(PublishedPact pact, string providerVersion, bool success, string? buildUrl)
    {
        lock (_lock)
        {
            AddVersion(pact.Provider, providerVersion, null);
            var result = new VerificationResult(
                _verifications.Count + 1, pact.Provider, providerVersion, null, pact.Consumer, pact.ContentSha, success, buildUrl);
            _verifications.Add(result);
            return result;
        }
    }

    public void RecordDeployment(string pacticipant, string version, string environment)
    {
        lock (_lock)
        {
            _deployments.RemoveAll(d => d.Pacticipant == pacticipant && d.Environment == environment);
            _deployments.Add(new Deployment(pacticipant, version, environment));
        }
    }

    /// <summary>
    /// The pacts a provider must verify for these selectors, one entry per pact content (several selectors may pick
    /// the same content), each with why it was picked and whether it is pending. Supported selectors: <c>mainBranch</c>,
    /// <c>matchingBranch</c> (needs <paramref name="providerBranch"/>), <c>branch</c>, <c>deployedOrReleased</c>,
    /// <c>deployed</c> (an environment name). Anything else throws <see cref="NotSupportedException"/> naming it.
    /// </summary>
    public IReadOnlyList<SelectedPact> SelectForVerification(
        string provider, IReadOnlyList<JsonObject> selectors, string? providerBranch, bool includePending)
    {
        lock (_lock)
        {
            var picked = new List<(PublishedPact Pact, string Why)>();
            foreach (var selector in selectors)
            {
                picked.AddRange(Select(provider, selector, providerBranch));
            }

            return
            [
                .. picked.GroupBy(p => (p.Pact.Consumer, p.Pact.ContentSha)).Select(group =>
                {
                    var pact = group.Last().Pact;
                    // Pending: never verified successfully by a version of the provider on this branch (any branch when none is given).
                    var pending = includePending && !_verifications.Any(v => v.Provider == provider && v.PactContentSha == pact.ContentSha && v.Success
                        && (providerBranch is null || BranchesOf(provider, v.ProviderVersion).Contains(providerBranch)));
                    return new SelectedPact(pact, [.. group.Select(p => p.Why).Distinct()], pending);
                }),
            ];
        }
    }

    private IEnumerable<(PublishedPact, string)> Select(string provider, JsonObject selector, string? providerBranch)
    {
        var forProvider = _pacts.Where(p => p.Provider == provider).ToList();
        var consumer = selector["consumer"]?.GetValue<string>();
        if (consumer is not null)
        {
            forProvider.RemoveAll(p => p.Consumer != consumer);
        }

        if (selector.Count == 1 + (consumer is null ? 0 : 1))
        {
            if (selector["mainBranch"]?.GetValue<bool>() == true)
            {
                return LatestOnBranch(forProvider, MainBranch, $"the latest version of {{0}} from its main branch '{MainBranch}' ({{1}})");
            }
            if (selector["matchingBranch"]?.GetValue<bool>() == true)
            {
                return providerBranch is null
                    ? throw new NotSupportedException("matchingBranch needs providerVersionBranch (the real broker refuses it without one)")
                    : LatestOnBranch(forProvider, providerBranch, $"the latest version of {{0}} from the branch '{providerBranch}', matching the provider's ({{1}})");
            }
            if (selector["branch"]?.GetValue<string>() is { } branch)
            {
                return LatestOnBranch(forProvider, branch, $"the latest version of {{0}} from the branch '{branch}' ({{1}})");
            }
            if (selector["deployedOrReleased"]?.GetValue<bool>() == true)
            {
                return Deployed(forProvider, environment: null);
            }
            if (selector["deployed"]?.GetValue<string>() is { } environment)
            {
                return Deployed(forProvider, environment);
            }
        }
        throw new NotSupportedException($"the consumer version selector {selector.ToJsonString()}");
    }

    private static IEnumerable<(PublishedPact, string)> LatestOnBranch(List<PublishedPact> pacts, string branch, string why) =>
        pacts.Where(p => p.Branch == branch).GroupBy(p => p.Consumer)
            .Select(g => g.Last())
            .Select(p => (p, string.Format(System.Globalization.CultureInfo.InvariantCulture, why, p.Consumer, p.ConsumerVersion)));

    private IEnumerable<(PublishedPact, string)> Deployed(List<PublishedPact> pacts, string? environment) =>
        _deployments.Where(d => environment is null || d.Environment == environment)
            .SelectMany(d => pacts.Where(p => p.Consumer == d.Pacticipant && p.ConsumerVersion == d.Version)
                .Select(p => (p, $"the version of {p.Consumer} deployed to {d.Environment} ({p.ConsumerVersion})")));

    /// <summary>
    /// can-i-deploy: may <paramref name="pacticipant"/> <paramref name="version"/> go to <paramref name="environment"/>?
    /// Every integration is judged against the counterpart version currently deployed there:
    /// <list type="bullet">
    /// <item>as a provider: each consumer version deployed to the environment that published a pact with the provider
    /// needs a successful verification of that pact (its content) by this version; a consumer with no version deployed
    /// there relies on nothing yet;</item>
    /// <item>as a consumer: each pact this version published needs a successful verification by the provider version
    /// deployed there; a provider with no version there cannot have verified anything, so the answer is no.</item>
    /// </list>
    /// Deployable: true when every requirement has a successful result; false when one failed or a needed provider is
    /// not deployed; null (unknown: the CLI waits with --retry-while-unknown, then says no) when a result is missing or
    /// the broker never heard of the version.
    /// </summary>
    public MatrixAnswer Matrix(string pacticipant, string version, string environment)
    {
        lock (_lock)
        {
            var rows = new List<MatrixRow>();
            var errors = new List<string>();
            var unknowns = new List<string>();
            var warnings = new List<string>();

            if (!Environments.Contains(environment))
            {
                errors.Add($"Environment '{environment}' does not exist (the stand-in knows {string.Join(", ", Environments)}).");
                return Answer(rows, errors, unknowns, warnings);
            }

            if (!HasVersion(pacticipant, version))
            {
                unknowns.Add($"Version {version} of {pacticipant} is unknown to the broker: it published no pact and no verification result names it.");
                return Answer(rows, errors, unknowns, warnings);
            }

            // As a provider.
            foreach (var consumer in _pacts.Where(p => p.Provider == pacticipant).Select(p => p.Consumer).Distinct().Order(StringComparer.Ordinal))
            {
                var deployed = DeployedVersion(consumer, environment);
                if (deployed is null)
                {
                    warnings.Add($"There is no version of {consumer} deployed to {environment}: nothing there relies on {pacticipant} yet.");
                    continue;
                }
                if (PactOf(consumer, deployed, pacticipant) is not { } pact)
                {
                    continue; // That consumer version does not call this provider.
                }
                Judge(pact, version, rows, errors, unknowns);
            }

            // As a consumer.
            foreach (var pact in _pacts.Where(p => p.Consumer == pacticipant && p.ConsumerVersion == version))
            {
                var deployed = DeployedVersion(pact.Provider, environment);
                if (deployed is null)
                {
                    rows.Add(new MatrixRow(pact, null, null));
                    errors.Add($"There is no version of {pact.Provider} deployed to {environment}, so nothing there has verified the pact of {pacticipant} {version}.");
                    continue;
                }
                Judge(pact, deployed, rows, errors, unknowns);
            }

            return Answer(rows, errors, unknowns, warnings);
        }
    }

    private void Judge(PublishedPact pact, string providerVersion, List<MatrixRow> rows, List<string> errors, List<string> unknowns)
    {
        var result = _verifications.LastOrDefault(v => v.Provider == pact.Provider && v.ProviderVersion == providerVersion && v.PactContentSha == pact.ContentSha);
        rows.Add(new MatrixRow(pact, providerVersion, result));
        var between = $"the pact between {pact.Consumer} {pact.ConsumerVersion} and {pact.Provider} {providerVersion}";
        if (result is null)
        {
            unknowns.Add($"There is no verification result for {between}.");
        }
        else if (!result.Success)
        {
            errors.Add($"The verification of {between} failed.");
        }
    }

    private static MatrixAnswer Answer(List<MatrixRow> rows, List<string> errors, List<string> unknowns, List<string> warnings)
    {
        bool? deployable = errors.Count > 0 ? false : unknowns.Count > 0 ? null : true;
        var reasons = errors.Concat(unknowns).ToList();
        var reason = reasons.Count > 0 ? string.Join(" ", reasons) : "All required verification results are published and successful.";
        return new MatrixAnswer(deployable, reason, rows, errors, unknowns, warnings);
    }

    private string? DeployedVersion(string pacticipant, string environment) =>
        _deployments.LastOrDefault(d => d.Pacticipant == pacticipant && d.Environment == environment)?.Version;

    private string? BranchOf(string pacticipant, string version) => BranchesOf(pacticipant, version).LastOrDefault();

    private List<string> BranchesOf(string pacticipant, string version) =>
        _versions.TryGetValue(pacticipant, out var versions) && versions.TryGetValue(version, out var branches) ? branches : [];
}

/// <summary>A pact selected for verification: why (one line per selector that picked it) and whether it is pending.</summary>
internal sealed record SelectedPact(PublishedPact Pact, IReadOnlyList<string> Why, bool Pending);

/// <summary>One row of the matrix: a pact, the provider version judged (null: none deployed), its result (null: none).</summary>
internal sealed record MatrixRow(PublishedPact Pact, string? ProviderVersion, VerificationResult? Result);

internal sealed record MatrixAnswer(
    bool? Deployable, string Reason, IReadOnlyList<MatrixRow> Rows, IReadOnlyList<string> Errors, IReadOnlyList<string> Unknowns, IReadOnlyList<string> Warnings);
