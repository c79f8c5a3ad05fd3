namespace LedgerX.Pact.Tests;

public sealed class PactBrokerSourceFromEnvironment
{
    private static Func<string, string?> Variables(params (string Name, string Value)[] set) =>
        name => set.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Is_null_without_a_broker_url()
    {
        PactBrokerSource.FromVariables(Variables(), "main").ShouldBeNull();
        PactBrokerSource.FromVariables(Variables(("PACT_BROKER_BASE_URL", "  "), ("PACT_BROKER_TOKEN", "t")), "main").ShouldBeNull();
    }

    [Fact]
    public void Uses_the_token_the_default_selectors_pending_pacts_and_the_provider_branch()
    {
        var source = PactBrokerSource.FromVariables(
            Variables(("PACT_BROKER_BASE_URL", "https://broker.example"), ("PACT_BROKER_TOKEN", "t0k")), "main").ShouldNotBeNull();

        source.BaseUrl.ShouldBe(new Uri("https://broker.example"));
        source.Token.ShouldBe("t0k");
        source.Username.ShouldBeNull();
        source.ProviderBranch.ShouldBe("main");
        source.EnablePending.ShouldBeTrue();
        source.ConsumerVersionSelectors.ShouldBe(["{\"mainBranch\":true}", "{\"deployedOrReleased\":true}"]);
    }

    [Fact]
    public void Uses_basic_credentials_when_given()
    {
        var source = PactBrokerSource.FromVariables(
            Variables(("PACT_BROKER_BASE_URL", "https://broker.example"), ("PACT_BROKER_USERNAME", "ci"), ("PACT_BROKER_PASSWORD", "pw")), null)
            .ShouldNotBeNull();

        source.Token.ShouldBeNull();
        (source.Username, source.Password).ShouldBe(("ci", "pw"));
        source.ProviderBranch.ShouldBeNull();
    }

    [Fact]
    public void Refuses_a_url_that_is_not_absolute() =>
        Should.Throw<InvalidOperationException>(() => PactBrokerSource.FromVariables(Variables(("PACT_BROKER_BASE_URL", "broker")), null))
            .Message.ShouldContain("PACT_BROKER_BASE_URL");
}
