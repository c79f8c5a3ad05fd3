using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using LedgerX.LocalDapr.Hosting;
using LedgerX.Testing;
using LedgerX.Transactions.IntegrationTests.Infrastructure;
using LedgerX.Transactions.IntegrationTests.Reversals;
using Npgsql;

namespace LedgerX.Transactions.IntegrationTests.OpenApi;

/// <summary>
/// The OpenAPI document says what the service does, read from the document itself: a body built from a request
/// schema's required fields alone is accepted, and every status code documented for an operation is produced by a
/// request this test sends. A new operation or status without a way to produce it here fails the test.
/// </summary>
public sealed class OpenApiDocumentIsTrue(OpenApiDocumentIsTrue.ServiceWithSagas environment) : IClassFixture<OpenApiDocumentIsTrue.ServiceWithSagas>
{
    /// <summary>The service with its sidecar, so reversals run; approvals wait long enough to be decided by the test.</summary>
    public sealed class ServiceWithSagas : IAsyncLifetime
    {
        private readonly string _resources = Directory.CreateTempSubdirectory("ledgerx-openapi-").FullName;
        private LocalDaprSidecar? _sidecar;

        public SagaHost Api { get; } = new(LedgerApi.FreePort()) { ApprovalTimeoutMs = 600_000 };

        public async ValueTask InitializeAsync()
        {
            _sidecar = await SagaHost.StartSidecarAsync(Api.SidecarGrpcPort, _resources);
            await Api.InitializeAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await Api.DisposeAsync();
            if (_sidecar is not null)
            {
                await _sidecar.DisposeAsync();
            }
            Directory.Delete(_resources, recursive: true);
        }
    }

    private SagaHost Api => environment.Api;

    [Fact]
    public async Task RequestSchemas_RequireWhatTheHandlersRequire_AsNonNullIntegersAndIds()
    {
        var document = await DocumentAsync();
        var schemas = document["components"]!["schemas"]!;

        Required(schemas["TransferRequest"]!).ShouldBe(["fromAccountId", "toAccountId", "amount", "currency"]);
        Required(schemas["OpenAccountRequest"]!).ShouldBe(["currency"]);
        ((JsonObject)schemas["OpenAccountRequest"]!["properties"]!).ContainsKey("ownerId").ShouldBeFalse("the owner is the caller");
        // Every route needs a permission, so its 401 and 403 are documented (and EveryDocumentedStatus_IsProduced produces them).
        var openResponses = (JsonObject)document["paths"]!["/api/v1/accounts"]!["post"]!["responses"]!;
        openResponses.ContainsKey("401").ShouldBeTrue();
        openResponses.ContainsKey("403").ShouldBeTrue();
        // ...and it says how to authenticate: auth-service's bearer token granting the route's permission.
        ((string?)document["components"]!["securitySchemes"]!["Bearer"]!["scheme"]).ShouldBe("bearer");
        var openSecurity = (JsonArray)document["paths"]!["/api/v1/accounts"]!["post"]!["security"]!;
        openSecurity.Single()!["Bearer"]!.AsArray().Select(s => (string?)s).ShouldBe([LedgerX.ServiceDefaults.Auth.Permissions.LedgerWrite]);
        ((JsonArray)document["paths"]!["/api/v1/accounts/{id}"]!["get"]!["security"]!).Single()!["Bearer"]!.AsArray().Select(s => (string?)s)
            .ShouldBe([LedgerX.ServiceDefaults.Auth.Permissions.LedgerRead]);
        Required(schemas["MovementRequest"]!).ShouldBe(["accountId", "amount", "currency"]);
        Required(schemas["JournalEntryRequest"]!).ShouldBe(["postings"]);
        Required(schemas["CreateHoldRequest"]!).ShouldBe(["accountId", "toAccountId", "amount", "currency"]);
        Required(schemas["PostHoldRequest"]!).ShouldBeEmpty();
        Required(schemas["ReversalRequest"]!).ShouldBe(["entryId", "reason"]);
        Required(schemas["ApprovalRequest"]!).ShouldBe(["approved"]);
        ((JsonObject)schemas["ApprovalRequest"]!["properties"]!).ContainsKey("by").ShouldBeFalse("the approver is the caller");
        // Numbers only as numbers (no "integer or string"), and a required field is never null.
        Types(schemas["TransferRequest"]!["properties"]!["amount"]!).ShouldBe(["integer"]);
        Types(schemas["TransferRequest"]!["properties"]!["fromAccountId"]!).ShouldBe(["string"]);
        Types(schemas["TransferRequest"]!["properties"]!["description"]!).ShouldBe(["null", "string"]);
        Types(schemas["PostingInput"]!["properties"]!["amount"]!).ShouldBe(["integer"]);
    }

    [Fact]
    public async Task V2RequestSchemas_TakeMoneyAsOneObject_WithBothPartsRequired()
    {
        var document = await DocumentAsync("v2");
        var schemas = document["components"]!["schemas"]!;

        Required(schemas["TransferRequest"]!).ShouldBe(["fromAccountId", "toAccountId", "amount"]);
        Required(schemas["MovementRequest"]!).ShouldBe(["accountId", "amount"]);
        Required(schemas["CreateHoldRequest"]!).ShouldBe(["accountId", "toAccountId", "amount"]);
        Required(schemas["PostingInput"]!).ShouldBe(["accountId", "direction", "amount"]);
        Required(schemas["MoneyInput"]!).ShouldBe(["amount", "currency"]);
        ObjectSchema(document, schemas["TransferRequest"]!["properties"]!["amount"]!).ShouldBeSameAs(schemas["MoneyInput"]);
        Types(schemas["MoneyInput"]!["properties"]!["amount"]!).ShouldBe(["integer"]);
        Required(schemas["ApprovalRequest"]!).ShouldBe(["approved"]);
    }

    public static TheoryData<string> Versions() => ["v1", "v2"];

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task ABodyWithOnlyTheRequiredFields_IsAccepted_ByEveryOperation(string version)
    {
        var document = await DocumentAsync(version);
        var failures = new List<string>();

        foreach (var operation in Operations(document).Where(o => o.Body is not null))
        {
            var (path, values) = await ValidAsync(operation);
            var body = RequiredOnly(document, operation.Body!, values, 0);
            using var response = await SendAsync(operation.Method, path, body.ToJsonString());
            var success = operation.Statuses.Single(s => s is >= 200 and < 300);
            if ((int)response.StatusCode != success)
            {
                failures.Add($"{operation.Id} {body.ToJsonString()}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        failures.ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task EveryDocumentedStatus_IsProduced(string version)
    {
        var document = await DocumentAsync(version);
        var operations = Operations(document);
        var failures = new List<string>();

        foreach (var operation in operations)
        {
            foreach (var status in operation.Statuses.Where(s => s != 503))
            {
                using var response = await ProduceAsync(document, operation, status);
                if ((int)response.StatusCode != status)
                {
                    failures.Add($"{operation.Id} {status}: got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
        }
        // 503 from the ledger: every command at once, while the database refuses connections.
        var commands = new List<(Operation Operation, string Path, string? Body)>();
        foreach (var operation in operations.Where(o => o.Statuses.Contains(503)))
        {
            var (path, values) = await ValidAsync(operation);
            commands.Add((operation, path, operation.Body is null ? null : RequiredOnly(document, operation.Body, values, 0).ToJsonString()));
        }
        await WithoutTheDatabaseAsync(async () =>
        {
            foreach (var (operation, path, body) in commands)
            {
                using var response = await SendAsync(operation.Method, path, body);
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                {
                    failures.Add($"{operation.Id} 503: got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
        });

        commands.Count.ShouldBeGreaterThan(10);
        failures.ShouldBeEmpty();
    }

    private async Task<HttpResponseMessage> ProduceAsync(JsonObject document, Operation operation, int status)
    {
        var (path, values) = await ValidAsync(operation);
        var body = operation.Body is null ? null : RequiredOnly(document, operation.Body, values, 0);
        switch (status)
        {
            case >= 200 and < 300:
                return await SendAsync(operation.Method, path, body?.ToJsonString());
            case 401:
                return await SendAsync(operation.Method, path, body?.ToJsonString(), authorization: NoToken);
            case 403:
                // A valid token granting nothing this service checks.
                return await SendAsync(operation.Method, path, body?.ToJsonString(),
                    authorization: Api.Tokens.Bearer("doc-owner", LedgerX.ServiceDefaults.Auth.Permissions.AnalyticsRead));
            case 400 when body is not null:
                return await SendAsync(operation.Method, path, "[]");
            case 400 when operation.Query.Count > 0:
                return await SendAsync(operation.Method, $"{path.Split('?')[0]}?{operation.Query[0]}=%00", null);
            case 400:
                return await SendAsync(operation.Method, path, null, idempotencyKey: new string('k', 300));
            case 404:
                return await SendAsync(operation.Method, WithAnotherId(path), body?.ToJsonString());
            case 409:
                return await SendAsync(operation.Method, await ConflictingPathAsync(operation), body?.ToJsonString());
            case 413:
                return await SendAsync(operation.Method, path, new JsonObject { ["description"] = new string('x', 70_000) }.ToJsonString());
            case 415:
                return await SendAsync(operation.Method, path, "amount=1", contentType: "text/plain");
            case 422 when operation.Id == "ApproveReversal":
                // The same reversal, the same key, another decision-maker: the key was used for a different request.
                var decisionKey = $"doc-{Guid.NewGuid()}";
                (await SendAsync(operation.Method, path, body?.ToJsonString(), idempotencyKey: decisionKey)).Dispose();
                var otherDecision = (JsonObject)body!.DeepClone();
                otherDecision["approved"] = false;
                return await SendAsync(operation.Method, path, otherDecision.ToJsonString(), idempotencyKey: decisionKey);
            case 422:
                var key = $"doc-{Guid.NewGuid()}";
                (await SendAsync(operation.Method, path, body?.ToJsonString(), idempotencyKey: key)).Dispose();
                var (otherPath, otherBody) = Different(path, body, operation.Body is null ? null : Resolve(document, operation.Body));
                return await SendAsync(operation.Method, otherPath, otherBody, idempotencyKey: key);
            default:
                throw new InvalidOperationException($"{operation.Id} documents {status}, and this test does not know how to produce it: add a way.");
        }
    }

    // A valid request for each operation, on fresh resources (each call makes its own, so a test may consume them).

    private async Task<(string Path, Func<string, int, JsonNode> Values)> ValidAsync(Operation operation)
    {
        var funded = (await Api.OpenAccountAsync("doc-funded")).Id;
        var other = (await Api.OpenAccountAsync("doc-other")).Id;
        await Api.DepositAsync(funded, 100_000);
        Guid? entry = null;
        if (operation.Id is "RequestReversal" or "GetEntry")
        {
            entry = await TransferAsync(funded, other, 5);
        }
        var values = Values(funded, other, entry);
        var path = operation.Id switch
        {
            "FreezeAccount" or "UnfreezeAccount" or "CloseAccount" or "GetAccount" or "GetAccountHistory" => operation.Path.Replace("{id}", (
                operation.Id == "UnfreezeAccount" ? await FrozenAsync() : operation.Id == "CloseAccount" ? (await Api.OpenAccountAsync("doc-empty")).Id : funded).ToString()),
            "ListAccounts" => $"{operation.Path}?ownerId=doc-funded",
            "GetEntry" => operation.Path.Replace("{id}", entry.ToString()),
            "GetHold" or "PostHold" or "VoidHold" => operation.Path.Replace("{id}", (await HoldAsync(funded, other)).ToString()),
            "GetReversal" => operation.Path.Replace("{id}", (await ReversalAsync(funded, other, 5)).ToString()),
            "ApproveReversal" => operation.Path.Replace("{id}", (await AwaitingApprovalAsync(funded, other)).ToString()),
            _ when operation.Path.Contains('{') => throw new InvalidOperationException($"No valid path for {operation.Id}: add one."),
            _ => operation.Path,
        };
        return (path, values);
    }

    private static Func<string, int, JsonNode> Values(Guid funded, Guid other, Guid? entry) => (field, index) => field switch
    {
        "currency" => "EUR",
        "accountId" => index == 0 ? funded : other,
        "fromAccountId" => funded,
        "toAccountId" => other,
        "amount" => 1,
        "direction" => index == 0 ? "debit" : "credit",
        "reason" => "required fields only",
        "entryId" => entry ?? throw new InvalidOperationException("No entry made for this operation."),
        "approved" => true,
        _ => throw new InvalidOperationException($"No value for the required field '{field}': add one."),
    };

    /// <summary>The body that has exactly the schema's required fields (arrays get two items, e.g. a debit and a credit).</summary>
    private static JsonObject RequiredOnly(JsonObject document, JsonNode schema, Func<string, int, JsonNode> values, int index)
    {
        var target = Resolve(document, schema);
        var body = new JsonObject();
        foreach (var name in Required(target))
        {
            var property = Resolve(document, target["properties"]![name]!);
            body[name] = Types(property).Contains("array")
                ? new JsonArray(RequiredOnly(document, property["items"]!, values, 0), RequiredOnly(document, property["items"]!, values, 1))
                : ObjectSchema(document, property) is { } money
                    ? RequiredOnly(document, money, values, index) // v2's money object
                    : values(name, index);
        }
        return body;
    }

    /// <summary>Another request to the same operation, for reusing an Idempotency-Key with it.</summary>
    private static (string Path, string? Body) Different(string path, JsonObject? body, JsonNode? schema)
    {
        if (path != WithAnotherId(path))
        {
            return (WithAnotherId(path), body?.ToJsonString());
        }
        var other = (JsonObject)body!.DeepClone();
        if (other["amount"] is JsonObject money)
        {
            money["amount"] = 2;
        }
        else if (other["amount"] is not null)
        {
            other["amount"] = 2;
        }
        else if (schema?["properties"]?["description"] is not null)
        {
            other["description"] = "another request";
        }
        else if (other["currency"] is not null)
        {
            other["currency"] = "USD";
        }
        else
        {
            var field = other.First(p => p.Key is "reason").Key;
            other[field] = other[field]!.GetValue<string>() + "-2";
        }
        return (path, other.ToJsonString());
    }

    private async Task<string> ConflictingPathAsync(Operation operation)
    {
        var funded = (await Api.OpenAccountAsync("doc-conflict")).Id;
        await Api.DepositAsync(funded, 1_000);
        var other = (await Api.OpenAccountAsync("doc-conflict-other")).Id;
        Guid id = operation.Id switch
        {
            "FreezeAccount" or "UnfreezeAccount" => await ClosedAsync(),
            "CloseAccount" => funded,
            "PostHold" or "VoidHold" => await VoidedHoldAsync(funded, other),
            "ApproveReversal" => await ReversalAsync(funded, other, 5),
            _ => throw new InvalidOperationException($"No way to make {operation.Id} conflict: add one."),
        };
        return operation.Path.Replace("{id}", id.ToString());
    }

    private static string WithAnotherId(string path) =>
        string.Join('/', path.Split('/').Select(segment => Guid.TryParse(segment, out _) ? Guid.NewGuid().ToString() : segment));

    // Resources.

    private async Task<Guid> TransferAsync(Guid from, Guid to, long amount)
    {
        var response = await Api.Client.PostAsJsonAsync("/api/v1/transfers", new { fromAccountId = from, toAccountId = to, amount, currency = "EUR" });
        await LedgerApi.ExpectAsync(response, HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
    }

    private async Task<Guid> FrozenAsync()
    {
        var id = (await Api.OpenAccountAsync("doc-frozen")).Id;
        await LedgerApi.ExpectAsync(await Api.Client.PostAsJsonAsync($"/api/v1/accounts/{id}/freeze", new { reason = "doc" }), HttpStatusCode.OK);
        return id;
    }

    private async Task<Guid> ClosedAsync()
    {
        var id = (await Api.OpenAccountAsync("doc-closed")).Id;
        await LedgerApi.ExpectAsync(await Api.Client.PostAsync($"/api/v1/accounts/{id}/close", null), HttpStatusCode.OK);
        return id;
    }

    private async Task<Guid> HoldAsync(Guid from, Guid to)
    {
        var response = await Api.Client.PostAsJsonAsync("/api/v1/holds", new { accountId = from, toAccountId = to, amount = 1, currency = "EUR" });
        await LedgerApi.ExpectAsync(response, HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
    }

    private async Task<Guid> VoidedHoldAsync(Guid from, Guid to)
    {
        var hold = await HoldAsync(from, to);
        await LedgerApi.ExpectAsync(await Api.Client.PostAsync($"/api/v1/holds/{hold}/void", null), HttpStatusCode.OK);
        return hold;
    }

    private async Task<Guid> ReversalAsync(Guid from, Guid to, long amount) =>
        (await Api.RequestReversalAsync(await TransferAsync(from, to, amount))).Id;

    private async Task<Guid> AwaitingApprovalAsync(Guid from, Guid to)
    {
        var id = await ReversalAsync(from, to, SagaHost.ApprovalThreshold + 1);
        await Api.WaitForAsync(id, r => r.Status == "awaiting_approval");
        return id;
    }

    private async Task WithoutTheDatabaseAsync(Func<Task> during)
    {
        var database = new NpgsqlConnectionStringBuilder(Api.ConnectionString).Database!;
        await OnServerAsync($"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS false; " +
                            $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()");
        NpgsqlConnection.ClearAllPools();
        try
        {
            await during();
        }
        finally
        {
            await OnServerAsync($"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS true");
        }
    }

    private static async Task OnServerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(await TestPostgres.GetServerConnectionStringAsync());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    // The document.

    private sealed record Operation(string Id, HttpMethod Method, string Path, JsonNode? Body, IReadOnlyList<string> Query, IReadOnlyList<int> Statuses);

    private async Task<JsonObject> DocumentAsync(string version = "v1") => (await Api.Client.GetFromJsonAsync<JsonObject>($"/openapi/{version}.json"))!;

    private static List<Operation> Operations(JsonObject document) =>
        [.. from path in document["paths"]!.AsObject()
            from operation in path.Value!.AsObject()
            let node = operation.Value!
            select new Operation(
                // v2's operation ids end in V2 (endpoint names are unique across versions); the operation is the same.
                node["operationId"]!.GetValue<string>().EndsWith("V2", StringComparison.Ordinal)
                    ? node["operationId"]!.GetValue<string>()[..^2] : node["operationId"]!.GetValue<string>(), new HttpMethod(operation.Key.ToUpperInvariant()), path.Key,
                node["requestBody"]?["content"]?["application/json"]?["schema"],
                [.. (node["parameters"]?.AsArray() ?? []).Where(p => p!["in"]!.GetValue<string>() == "query").Select(p => p!["name"]!.GetValue<string>())],
                [.. node["responses"]!.AsObject().Select(r => int.Parse(r.Key, System.Globalization.CultureInfo.InvariantCulture))])];

    private static JsonNode Resolve(JsonObject document, JsonNode schema) =>
        schema["$ref"]?.GetValue<string>() is { } reference
            ? document["components"]!["schemas"]![reference["#/components/schemas/".Length..]]!
            : schema;

    /// <summary>The object schema a property holds, through a reference and a nullable wrapper (oneOf/anyOf/allOf), or null.</summary>
    private static JsonNode? ObjectSchema(JsonObject document, JsonNode property)
    {
        var resolved = Resolve(document, property);
        if (resolved["properties"] is not null)
        {
            return resolved;
        }
        return new[] { "oneOf", "anyOf", "allOf" }.SelectMany(key => resolved[key]?.AsArray() ?? [])
            .OfType<JsonNode>().Select(option => Resolve(document, option)).FirstOrDefault(option => option["properties"] is not null);
    }

    private static List<string> Required(JsonNode schema) => [.. (schema["required"]?.AsArray() ?? []).Select(n => n!.GetValue<string>())];

    private static List<string> Types(JsonNode schema) =>
        schema["type"] switch
        {
            JsonArray many => [.. many.Select(t => t!.GetValue<string>()).Order(StringComparer.Ordinal)],
            JsonValue one => [one.GetValue<string>()],
            _ => [],
        };

    /// <summary>A request without an Authorization header.</summary>
    private static readonly System.Net.Http.Headers.AuthenticationHeaderValue NoToken = new("None");

    /// <summary>Sends as an authenticated caller with every permission, unless <paramref name="authorization"/> says otherwise.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body, string? idempotencyKey = null,
        string contentType = "application/json", System.Net.Http.Headers.AuthenticationHeaderValue? authorization = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = ReferenceEquals(authorization, NoToken) ? null : authorization ?? Api.Tokens.Bearer("doc-owner");
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, contentType);
        }
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }
        if (request.Headers.Authorization is null)
        {
            // The fixture's client sends an administrator's token by default.
            using var anonymous = new HttpClient { BaseAddress = Api.Client.BaseAddress };
            return await anonymous.SendAsync(request);
        }
        return await Api.Client.SendAsync(request);
    }
}
