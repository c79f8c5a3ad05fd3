namespace LedgerX.Pact;

/// <summary>
/// Pacts from a Pact Broker: those the consumer version selectors pick, for the provider being verified. Bearer token
/// or basic auth. With <see cref="EnablePending"/>, pacts never verified on <see cref="ProviderBranch"/> cannot fail
/// the build; <see cref="IncludeWipPactsSince"/> (yyyy-MM-dd) adds work-in-progress pacts.
/// </summary>
public sealed record PactBrokerSource(Uri BaseUrl)
{
    public string? Token { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>JSON selectors, see docs.pact.io "consumer version selectors". Default: main branch, and whatever is deployed or released.</summary>
    public IReadOnlyList<string> ConsumerVersionSelectors { get; init; } = ["{\"mainBranch\":true}", "{\"deployedOrReleased\":true}"];

    public string? ProviderBranch { get; init; }

    public bool EnablePending { get; init; }

    public string? IncludeWipPactsSince { get; init; }

    /// <summary>
    /// From PACT_BROKER_BASE_URL and PACT_BROKER_TOKEN, or PACT_BROKER_USERNAME + PACT_BROKER_PASSWORD; null when
    /// PACT_BROKER_BASE_URL is unset or empty (verify from files then).
    /// </summary>
    public static PactBrokerSource? FromEnvironment(string? providerBranch) => FromVariables(Environment.GetEnvironmentVariable, providerBranch);

    internal static PactBrokerSource? FromVariables(Func<string, string?> variable, string? providerBranch)
    {
        var baseUrl = NonEmpty(variable("PACT_BROKER_BASE_URL"));
        if (baseUrl is null)
        {
            return null;
        }

        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri))
        {
            throw new InvalidOperationException($"PACT_BROKER_BASE_URL is not an absolute URL: '{baseUrl}'.");
        }

        return new PactBrokerSource(uri)
        {
            Token = NonEmpty(variable("PACT_BROKER_TOKEN")),
            Username = NonEmpty(variable("PACT_BROKER_USERNAME")),
            Password = NonEmpty(variable("PACT_BROKER_PASSWORD")),
            ProviderBranch = NonEmpty(providerBranch),
            // Pending pacts: a consumer's new expectation must not break the provider's main build before it is met.
            EnablePending = true,
        };
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
