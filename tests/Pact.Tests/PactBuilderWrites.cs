using System.Text.Json.Nodes;

namespace LedgerX.Pact.Tests;

/// <summary>What the consumer DSL puts into the pact file (pact_ffi's V4 format).</summary>
public sealed class PactBuilderWrites : IDisposable
{
    private readonly TestPactDirectory _pacts = new();

    public void Dispose() => _pacts.Dispose();

    private async Task<JsonObject> WriteAsync()
    {
        await AccountsContract.Declare(_pacts.Path).VerifyAsync(uri => AccountsContract.ExerciseAsync(uri));
        return Json.ParseFile(_pacts.File(AccountsContract.Consumer, AccountsContract.Provider));
    }

    private static JsonObject Interaction(JsonObject pact, string description) =>
        pact["interactions"]!.AsArray().OfType<JsonObject>().Single(i => i["description"]!.GetValue<string>() == description);

    [Fact]
    public async Task A_V4_pact_named_after_consumer_and_provider()
    {
        var pact = await WriteAsync();

        pact["consumer"]!["name"]!.GetValue<string>().ShouldBe(AccountsContract.Consumer);
        pact["provider"]!["name"]!.GetValue<string>().ShouldBe(AccountsContract.Provider);
        pact["metadata"]!["pactSpecification"]!["version"]!.GetValue<string>().ShouldBe("4.0");
        pact["interactions"]!.AsArray().Select(i => i!["description"]!.GetValue<string>())
            .ShouldBe([AccountsContract.Missing, AccountsContract.Freeze]);
        Interaction(pact, AccountsContract.Freeze)["type"]!.GetValue<string>().ShouldBe("Synchronous/HTTP");
    }

    [Fact]
    public async Task Provider_states_with_their_params()
    {
        var pact = await WriteAsync();

        Json.Compact(Interaction(pact, AccountsContract.Freeze)["providerStates"])
            .ShouldBe("""[{"name":"an open account","params":{"currency":"EUR"}}]""");
        Json.Compact(Interaction(pact, AccountsContract.Missing)["providerStates"])
            .ShouldBe("""[{"name":"no account exists with the requested id"}]""");
    }

    [Fact]
    public async Task The_request_with_its_examples_matching_rules_and_provider_state_generators()
    {
        var request = Interaction(await WriteAsync(), AccountsContract.Freeze)["request"]!.AsObject();

        request["method"]!.GetValue<string>().ShouldBe("POST");
        request["path"]!.GetValue<string>().ShouldBe($"/api/v1/accounts/{AccountsContract.ExampleAccountId}/freeze");
        Json.Compact(request["query"]).ShouldBe("""{"requestedBy":["operator-1"]}""");
        Json.Compact(request["headers"]!["Idempotency-Key"]).ShouldBe("""["key-1"]""");
        Json.Compact(request["body"]!["content"])
            .ShouldBe($$"""{"accountId":"{{AccountsContract.ExampleAccountId}}","reason":"suspicious activity"}""");

        var type = """{"combine":"AND","matchers":[{"match":"type"}]}""";
        var rules = request["matchingRules"]!;
        Json.Compact(rules["path"]).ShouldBe(type);
        Json.Compact(rules["query"]!["requestedBy"]).ShouldBe(type);
        Json.Compact(rules["header"]!["Idempotency-Key"]).ShouldBe(type);
        Json.Compact(rules["body"]!["$.reason"]).ShouldBe(type);
        Json.Compact(rules["body"]!["$.accountId"]).ShouldBe(type);

        var generators = request["generators"]!;
        Json.Compact(generators["path"]).ShouldBe("""{"expression":"/api/v1/accounts/${accountId}/freeze","type":"ProviderState"}""");
        Json.Compact(generators["query"]!["requestedBy"]).ShouldBe("""{"expression":"${operatorId}","type":"ProviderState"}""");
        Json.Compact(generators["header"]!["Idempotency-Key"]).ShouldBe("""{"expression":"${idempotencyKey}","type":"ProviderState"}""");
        Json.Compact(generators["body"]!["$.accountId"]).ShouldBe("""{"expression":"${accountId}","type":"ProviderState"}""");
    }

    [Fact]
    public async Task The_response_with_its_matching_rules()
    {
        var pact = await WriteAsync();
        var response = Interaction(pact, AccountsContract.Freeze)["response"]!.AsObject();

        response["status"]!.GetValue<int>().ShouldBe(200);
        var rules = response["matchingRules"]!["body"]!;
        Json.Compact(rules["$.accountId"]!["matchers"]![0]!["match"]).ShouldBe("\"regex\"");
        Json.Compact(rules["$.status"]).ShouldBe("""{"combine":"AND","matchers":[{"match":"regex","regex":"^(open|frozen)$"}]}""");
        Json.Compact(rules["$.frozenAt"]).ShouldBe("""{"combine":"AND","matchers":[{"format":"yyyy-MM-dd'T'HH:mm:ssX","match":"datetime"}]}""");

        var missing = Interaction(pact, AccountsContract.Missing)["response"]!.AsObject();
        missing["status"]!.GetValue<int>().ShouldBe(404);
        Json.Compact(missing["headers"]!["Content-Type"]).ShouldBe("""["application/problem+json"]""");
        Json.Compact(missing["body"]!["content"]).ShouldBe("""{"status":404,"title":"Not Found"}""");
    }

    [Fact]
    public async Task Array_null_include_integer_and_equality_matchers()
    {
        var pact = new PactBuilder("matcher-consumer", "matcher-provider", _pacts.Path);
        pact.UponReceiving("a page of events")
            .WithRequest("GET", "/events")
            .WithQuery("after", "0")
            .WithQuery("limit", Match.Regex("100", @"^\d+$"))
            .WillRespond()
            .WithJsonBody(new
            {
                items = Match.MinType(new { sequence = Match.Integer(1), kind = Match.Equality("deposit") }, 2),
                nextCursor = Match.Null(),
                note = Match.Include("events"),
            });
        await pact.VerifyAsync(async uri =>
        {
            using var http = new HttpClient { BaseAddress = uri };
            var body = await http.GetStringAsync(new Uri("events?after=0&limit=100", UriKind.Relative));
            body.ShouldBe("""{"items":[{"kind":"deposit","sequence":1},{"kind":"deposit","sequence":1}],"nextCursor":null,"note":"events"}""");
        });

        var interaction = Json.ParseFile(_pacts.File("matcher-consumer", "matcher-provider"))["interactions"]![0]!;
        Json.Compact(interaction["request"]!["query"]).ShouldBe("""{"after":["0"],"limit":["100"]}""");
        Json.Compact(interaction["request"]!["matchingRules"]!["query"])
            .ShouldBe("""{"limit":{"combine":"AND","matchers":[{"match":"regex","regex":"^\\d+$"}]}}""");
        var rules = interaction["response"]!["matchingRules"]!["body"]!;
        Json.Compact(rules["$.items"]).ShouldBe("""{"combine":"AND","matchers":[{"match":"type","min":2}]}""");
        Json.Compact(rules["$.items[*].sequence"]).ShouldBe("""{"combine":"AND","matchers":[{"match":"integer"}]}""");
        Json.Compact(rules["$.items[*].kind"]).ShouldBe("""{"combine":"AND","matchers":[{"match":"equality"}]}""");
        Json.Compact(rules["$.nextCursor"]).ShouldBe("""{"combine":"AND","matchers":[{"match":"null"}]}""");
        Json.Compact(rules["$.note"]).ShouldBe("""{"combine":"AND","matchers":[{"match":"include","value":"events"}]}""");
    }

    [Fact]
    public async Task Plain_header_and_query_values_that_look_like_json_stay_plain_text()
    {
        var pact = new PactBuilder("plain-consumer", "plain-provider", _pacts.Path);
        pact.UponReceiving("a request with odd values")
            .WithRequest("GET", "/odd")
            .WithQuery("filter", """{"a":1}""")
            .WithHeader("X-Payload", """{"b":2}""")
            .WillRespond()
            .WithStatus(204);
        await pact.VerifyAsync(async uri =>
        {
            using var http = new HttpClient { BaseAddress = uri };
            using var request = new HttpRequestMessage(HttpMethod.Get, "odd?filter=" + Uri.EscapeDataString("""{"a":1}"""));
            request.Headers.TryAddWithoutValidation("X-Payload", """{"b":2}""");
            using var response = await http.SendAsync(request);
            ((int)response.StatusCode).ShouldBe(204);
        });

        var req = Json.ParseFile(_pacts.File("plain-consumer", "plain-provider"))["interactions"]![0]!["request"]!;
        Json.Compact(req["query"]).ShouldBe("""{"filter":["{\"a\":1}"]}""");
        Json.Compact(req["headers"]!["X-Payload"]).ShouldBe("""["{\"b\":2}"]""");
        req["matchingRules"].ShouldBeNull();
    }
}
