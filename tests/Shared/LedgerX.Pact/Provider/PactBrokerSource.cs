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

    /// <summary>JSON selectors, see docs.pact.io "consumer version selectors". Default: what Pact recommends for a provider's
    /// build: the consumers' main branch, the consumers' branch of the same name as the provider's (a feature developed on
    /// both sides), and whatever is deployed or released.</summary>
    public IReadOnlyList<string> ConsumerVersionSelectors { get; init; } = DefaultSelectors;

    public static IReadOnlyList<string> DefaultSelectors { get; } =
        ["{\"mainBranch\":true}", "{\"matchingBranch\":true}", "{\"deployedOrReleased\":true}"];

    public string? ProviderBranch { get; init; }

    public bool EnablePending { get; init; }

    public string? IncludeWipPactsSince { get; init; }

    /// <summary>
    /// From PACT_BROKER_BASE_URL and PACT_BROKER_TOKEN, or PACT_BROKER_USERNAME + PACT_BROKER_PASSWORD; null when
    /// PACT_BROKER_BASE_URL is unset or empty (verify from files then). PACT_CONSUMER_VERSION_SELECTORS (a JSON array of
    /// selector objects) replaces <see cref="DefaultSelectors"/>; PACT_INCLUDE_WIP_PACTS_SINCE (yyyy-MM-dd) adds WIP pacts.
    /// </summary>
    public static PactBrokerSource? FromEnvironment(string? providerBranch) => FromVariables(Environment.GetEnvironmentVariable, providerBranch);

    /// <summary>As <see cref="FromEnvironment"/>, reading the variables from <paramref name="variable"/> instead of the process
    /// environment: for a test that points a verification at a broker of its own without changing the process's environment.</summary>
    public static PactBrokerSource? FromVariables(Func<string, string?> variable, string? providerBranch)
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
            // matchingBranch means "the consumers' branch named like the provider's": the broker refuses it without one.
            ConsumerVersionSelectors = Selectors(NonEmpty(variable("PACT_CONSUMER_VERSION_SELECTORS")))
                ?? (NonEmpty(providerBranch) is null ? [.. DefaultSelectors.Where(s => !s.Contains("matchingBranch", StringComparison.Ordinal))] : DefaultSelectors),
            IncludeWipPactsSince = NonEmpty(variable("PACT_INCLUDE_WIP_PACTS_SINCE")),
            // Pending pacts: a consumer's new expectation must not break the provider's main build before it is met.
            EnablePending = true,
        };
    }

    private static string[]? Selectors(string? json)
    {
        if (json is null)
        {
            return null;
        }
        try
        {
            var selectors = System.Text.Json.Nodes.JsonNode.Parse(json) as System.Text.Json.Nodes.JsonArray;
            if (selectors is { Count: > 0 } && selectors.All(s => s is System.Text.Json.Nodes.JsonObject))
            {
                return [.. selectors.Select(s => s!.ToJsonString())];
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Reported below with the value.
        }
        throw new InvalidOperationException($"PACT_CONSUMER_VERSION_SELECTORS must be a non-empty JSON array of selector objects, e.g. [{{\"mainBranch\":true}}]; it is '{json}'.");
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
