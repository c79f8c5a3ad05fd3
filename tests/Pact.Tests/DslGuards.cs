namespace LedgerX.Pact.Tests;

/// <summary>Mistakes in a test's declarations fail at once, before any mock server or verifier runs.</summary>
public sealed class DslGuards
{
    [Fact]
    public void A_regex_example_must_match_its_regex() =>
        Should.Throw<ArgumentException>(() => Match.Regex("abc", @"^\d+$")).Message.ShouldContain("does not match");

    [Fact]
    public async Task An_interaction_needs_a_request_and_a_response()
    {
        var pact = new PactBuilder("c", "p", Path.GetTempPath());
        pact.UponReceiving("no request");
        (await Should.ThrowAsync<InvalidOperationException>(() => pact.VerifyAsync(_ => Task.CompletedTask))).Message.ShouldContain("WithRequest");

        pact.UponReceiving("no response").WithRequest("GET", "/x");
        (await Should.ThrowAsync<InvalidOperationException>(() => pact.VerifyAsync(_ => Task.CompletedTask))).Message.ShouldContain("WillRespond");
    }

    [Fact]
    public void Descriptions_are_unique_within_a_pact()
    {
        var pact = new PactBuilder("c", "p", Path.GetTempPath());
        pact.UponReceiving("twice");
        Should.Throw<InvalidOperationException>(() => pact.UponReceiving("twice"));
    }

    [Fact]
    public void Provider_state_params_are_a_json_object() =>
        Should.Throw<ArgumentException>(() => new PactBuilder("c", "p", Path.GetTempPath()).UponReceiving("x").Given("s", new[] { 1, 2 }));

    [Fact]
    public async Task The_verifier_needs_an_endpoint_and_a_source()
    {
        using var verifier = new PactVerifier("p", "1");
        await Should.ThrowAsync<InvalidOperationException>(() => verifier.VerifyAsync(TestContext.Current.CancellationToken));
        verifier.WithHttpEndpoint(new Uri("http://127.0.0.1:1/"));
        await Should.ThrowAsync<InvalidOperationException>(() => verifier.VerifyAsync(TestContext.Current.CancellationToken));
        Should.Throw<FileNotFoundException>(() => verifier.WithFileSource("/nonexistent/pact.json"));
    }

    [Fact]
    public async Task A_cancelled_verification_does_not_start()
    {
        using var pacts = new TestPactDirectory();
        var file = Path.Combine(pacts.Path, "c-p.json");
        await File.WriteAllTextAsync(file, """{"consumer":{"name":"c"},"provider":{"name":"p"},"interactions":[]}""", TestContext.Current.CancellationToken);
        using var verifier = new PactVerifier("p", "1").WithHttpEndpoint(new Uri("http://127.0.0.1:1/")).WithFileSource(file);

        await Should.ThrowAsync<OperationCanceledException>(() => verifier.VerifyAsync(new CancellationToken(canceled: true)));
    }

    [Fact]
    public void Ansi_colour_codes_are_stripped() =>
        PactVerifier.StripAnsi("\u001b[31mred\u001b[0m and \u001b[1;32mgreen\u001b[0m").ShouldBe("red and green");
}
