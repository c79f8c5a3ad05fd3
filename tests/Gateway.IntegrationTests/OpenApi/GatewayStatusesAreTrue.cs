using System.Text.Json;

namespace LedgerX.Gateway.IntegrationTests.OpenApi;

/// <summary>A gateway whose fraud routes time out after 1 s, whose breakers open after three failures, and whose
/// callers have three reads a minute.</summary>
public sealed class StrictGateway : GatewayHost
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["ReverseProxy:Routes:fraud-alerts:Timeout"] = "00:00:01",
        ["Gateway:CircuitBreaker:MinimumThroughput"] = "3",
        ["Gateway:CircuitBreaker:SamplingDurationSeconds"] = "60",
        ["Gateway:CircuitBreaker:BreakDurationSeconds"] = "30",
        ["Gateway:RateLimits:Reads:TokenLimit"] = "3",
        ["Gateway:RateLimits:Reads:TokensPerPeriod"] = "1",
        ["Gateway:RateLimits:Reads:ReplenishmentPeriodSeconds"] = "60",
    };
}

/// <summary>
/// The merged document lists, on every operation, the statuses the gateway itself may answer (429, 502, 503, 504,
/// as <c>GatewayProblemDetails</c>). Each of them is produced here on documented operations, and nothing else is
/// documented as the gateway's: the document promises what the gateway does, no more.
/// </summary>
public sealed class GatewayStatusesAreTrue : IAsyncLifetime
{
    private readonly StrictGateway _gateway = new();

    public ValueTask InitializeAsync() => _gateway.InitializeAsync();

    public ValueTask DisposeAsync() => _gateway.DisposeAsync();

    [Fact]
    public async Task EveryStatusTheDocumentGivesTheGatewayIsProduced()
    {
        var document = await (await _gateway.Client.GetAsync("/openapi/v1.json")).JsonAsync();
        var documented = GatewayStatuses(document, "/api/v1/alerts");
        GatewayStatuses(document, "/api/v1/ledger/volumes/daily").ShouldBe(documented);

        var produced = new HashSet<int>();
        // 429: a caller's fourth read.
        for (var i = 0; i < 4; i++)
        {
            using var read = await _gateway.SendAsync(HttpMethod.Get, "/api/v1/alerts", "reader");
            produced.Add((int)read.StatusCode);
        }
        // 504 three times, then 503: fraud hangs past the route's timeout until its breaker opens.
        _gateway.Fraud.Behaviour = UpstreamBehaviour.Hang;
        for (var i = 0; i < 4; i++)
        {
            using var slow = await _gateway.SendAsync(HttpMethod.Get, "/api/v1/alerts", $"caller-{i}");
            produced.Add((int)slow.StatusCode);
        }
        // 503 again: analytics is gone (its sidecar answers for it).
        await _gateway.Analytics.StopAppAsync();
        using (var gone = await _gateway.SendAsync(HttpMethod.Get, "/api/v1/ledger/volumes/daily", "someone"))
        {
            produced.Add((int)gone.StatusCode);
        }
        // 502: the gateway's own sidecar hangs up mid-call.
        await using (await _gateway.BreakSidecarAsync())
        {
            using var broken = await _gateway.SendAsync(HttpMethod.Get, "/api/v1/ledger/volumes/daily", "someone-else");
            produced.Add((int)broken.StatusCode);
        }

        produced.Remove(200);
        produced.Order().ShouldBe(documented.Order());
    }

    /// <summary>The statuses of the operation's answers that use the gateway's own problem schema.</summary>
    private static List<int> GatewayStatuses(JsonElement document, string path) =>
    [
        .. document.GetProperty("paths").GetProperty(path).GetProperty("get").GetProperty("responses").EnumerateObject()
            .Where(r => r.Value.TryGetProperty("content", out var content)
                && content.GetRawText().Contains("#/components/schemas/GatewayProblemDetails", StringComparison.Ordinal))
            .Select(r => int.Parse(r.Name, System.Globalization.CultureInfo.InvariantCulture)),
    ];
}
