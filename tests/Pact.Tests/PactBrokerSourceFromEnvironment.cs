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
        source.ConsumerVersionSelectors.ShouldBe(["{\"mainBranch\":true}", "{\"matchingBranch\":true}", "{\"deployedOrReleased\":true}"]);
        source.IncludeWipPactsSince.ShouldBeNull();
    }

    [Fact]
    public void Without_a_provider_branch_leaves_out_the_matching_branch_selector()
    {
        var source = PactBrokerSource.FromVariables(Variables(("PACT_BROKER_BASE_URL", "https://broker.example")), null).ShouldNotBeNull();

        source.ConsumerVersionSelectors.ShouldBe(["{\"mainBranch\":true}", "{\"deployedOrReleased\":true}"]);
    }

    [Fact]
    public void Takes_selectors_and_wip_pacts_from_the_environment()
    {
        var source = PactBrokerSource.FromVariables(
            Variables(("PACT_BROKER_BASE_URL", "https://broker.example"), ("PACT_CONSUMER_VERSION_SELECTORS", """[{"branch":"main"}, {"deployed":"production"}]"""),
                ("PACT_INCLUDE_WIP_PACTS_SINCE", "2026-11-01")), "main").ShouldNotBeNull();

        source.ConsumerVersionSelectors.ShouldBe(["{\"branch\":\"main\"}", "{\"deployed\":\"production\"}"]);
        source.IncludeWipPactsSince.ShouldBe("2026-11-01");
    }

    [Theory]
    [InlineData("{\"mainBranch\":true}")]
    [InlineData("[]")]
    [InlineData("[\"mainBranch\"]")]
    [InlineData("not json")]
    public void Refuses_selectors_that_are_not_an_array_of_objects(string selectors)
    {
        var error = Should.Throw<InvalidOperationException>(() => PactBrokerSource.FromVariables(
            Variables(("PACT_BROKER_BASE_URL", "https://broker.example"), ("PACT_CONSUMER_VERSION_SELECTORS", selectors)), "main"));

        error.Message.ShouldContain("PACT_CONSUMER_VERSION_SELECTORS");
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
