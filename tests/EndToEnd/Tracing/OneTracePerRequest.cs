using System.Diagnostics;

namespace LedgerX.EndToEnd.Tests.Tracing;

/// <summary>
/// Issue 18's tracing criterion through the whole system: every app and sidecar exports to the run's Zipkin intake
/// (<see cref="LedgerXSystem.Traces"/>). A client's W3C <c>traceparent</c> starts each request's trace, so the test knows
/// which trace to look for; what must be in it is the system's doing (ADR 0023): the gateway, both sidecars of the
/// invocation, the ledger's write, the outbox relay's publish, and every consumer of the event.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class OneTracePerRequest(LedgerXSystem system)
{
    /// <summary>Spans are exported in batches (every few seconds) and events cross pub/sub: a hang guard, not an expectation.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private const string Gateway = LedgerXSystem.GatewayAppId;
    private const string Ledger = LedgerXSystem.LedgerAppId;

    [Fact]
    public async Task A_transfer_through_the_gateway_is_one_trace_from_the_gateway_to_every_consumer()
    {
        var (payer, from) = await system.Ledger.FundedCustomerAsync(100_00, "tracer");
        string to = await system.Ledger.OpenAccountAsync(payer);
        using var http = system.PatientClient();
        using var request = payer.Request(HttpMethod.Post, "/api/v1/transfers", new { fromAccountId = from, toAccountId = to, amount = 1_23, currency = "EUR" });
        var (traceId, response) = await SendTracedAsync(http, request);
        using (response)
        {
            await Identities.Expect(response, HttpStatusCode.Created);
        }

        // Each expected span, by what it is: the app's own spans and its sidecar's both carry the app id as service name.
        (string What, Func<ZipkinSpan, bool> Is)[] expected =
        [
            ("the gateway's server span", s => IsApp(s, Gateway) && Kind(s, "SERVER")),
            ("the gateway's sidecar", s => Is(s, Gateway) && IsSidecar(s)),
            ("transaction-service's sidecar", s => Is(s, Ledger) && s.Name.StartsWith("CallLocal/", StringComparison.Ordinal)),
            ("transaction-service's server span", s => IsApp(s, Ledger) && Kind(s, "SERVER")),
            ("the ledger's write", s => Is(s, Ledger) && s.Name.StartsWith("ledger.write", StringComparison.Ordinal)),
            ("the outbox relay's publish", s => Is(s, Ledger) && s.Name == "publish transaction.posted.v1" && Kind(s, "PRODUCER")),
            ("the delivery by fraud-service's sidecar", s => Is(s, LedgerXSystem.FraudAppId) && s.Name == "pubsub/transaction.posted.v1"),
            ("fraud-service's consumer", s => IsApp(s, LedgerXSystem.FraudAppId) && Kind(s, "SERVER")),
            ("analytics-service's consumer", s => IsApp(s, LedgerXSystem.AnalyticsAppId) && Kind(s, "SERVER")),
            ("notification-service's consumer", s => IsApp(s, LedgerXSystem.NotificationsAppId) && Kind(s, "SERVER")),
        ];

        await Eventually.SucceedsAsync(() =>
        {
            var spans = system.Traces.Trace(traceId);
            string all = $"trace {traceId} ({system.Traces.Received} spans received in all):\n  " + string.Join("\n  ", spans);
            var missing = expected.Where(e => !spans.Any(e.Is)).Select(e => e.What).ToList();
            missing.ShouldBeEmpty(all);
            return Task.CompletedTask;
        }, Patience);

        var trace = system.Traces.Trace(traceId);
        TestContext.Current.SendDiagnosticMessage($"trace {traceId}: {trace.Count} spans\n  " + string.Join("\n  ", trace));
        // One trace, connected: every span's parent is in it, except the client's own span (not exported) and spans still in flight.
        trace.Where(s => s.ParentId is null).ShouldBeEmpty("a root span inside the trace would mean some hop restarted it");
    }

    /// <summary>Requests of every kind a client makes, the refused ones too, each with a trace id the test made.</summary>
    [Fact]
    public async Task Every_request_of_a_mixed_load_has_a_trace_with_the_gateways_server_span()
    {
        const int rounds = 10;
        // The same customer as the other test: one sign-in fewer on a loaded machine (accounts are per test).
        var (customer, account) = await system.Ledger.FundedCustomerAsync(100_00, "tracer");
        string other = await system.Ledger.OpenAccountAsync(customer);
        (HttpMethod Method, string Url, object? Body, bool Authenticated)[] kinds =
        [
            (HttpMethod.Post, "/api/v1/transfers", new { fromAccountId = account, toAccountId = other, amount = 1, currency = "EUR" }, true),
            (HttpMethod.Get, $"/api/v1/accounts/{account}", null, true),
            (HttpMethod.Get, "/api/v1/accounts", null, true),
            (HttpMethod.Get, "/api/v1/notifications", null, true),
            (HttpMethod.Get, $"/api/v1/accounts/{Guid.NewGuid()}", null, true),
            (HttpMethod.Get, "/api/v1/accounts", null, false),
        ];

        var sent = new List<(string TraceId, string Kind, int Status)>();
        using var http = system.PatientClient();
        for (int round = 0; round < rounds; round++)
        {
            foreach (var (method, url, body, authenticated) in kinds)
            {
                using var request = authenticated ? customer.Request(method, url, body) : new HttpRequestMessage(method, url);
                var (traceId, response) = await SendTracedAsync(http, request);
                using (response)
                {
                    sent.Add((traceId, $"{method} {url.Split('/')[3]}", (int)response.StatusCode));
                }
            }
        }

        // Every request a client sent, answered whatever way, is in a trace that holds the gateway's server span.
        List<(string TraceId, string Kind, int Status)> untraced = sent;
        await Eventually.SucceedsAsync(() =>
        {
            untraced = [.. sent.Where(r => !system.Traces.Trace(r.TraceId).Any(s => IsApp(s, Gateway) && Kind(s, "SERVER")))];
            untraced.ShouldBeEmpty();
            return Task.CompletedTask;
        }, Patience);

        double coverage = 100.0 * (sent.Count - untraced.Count) / sent.Count;
        string statuses = string.Join(", ", sent.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"));
        TestContext.Current.SendDiagnosticMessage($"trace coverage: {sent.Count - untraced.Count} of {sent.Count} requests traced = {coverage:F1} % (statuses {statuses})");
        coverage.ShouldBe(100.0);
        sent.Select(r => r.Status).Distinct().Count().ShouldBeGreaterThan(1, "the load mixes answered and refused requests");
    }

    /// <summary>
    /// Sends under a client span of the test's own, sampled, so the system must record the rest of the trace: its
    /// <c>traceparent</c> is on the request (HttpClient keeps a header it is given, and would send the same span's
    /// context anyway). The trace is watched before the request leaves.
    /// </summary>
    private async Task<(string TraceId, HttpResponseMessage Response)> SendTracedAsync(HttpClient http, HttpRequestMessage request)
    {
        using var client = new Activity("client").SetIdFormat(ActivityIdFormat.W3C);
        client.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        client.Start();
        string traceId = client.TraceId.ToHexString();
        system.Traces.Watch(traceId);
        request.Headers.Remove("traceparent");
        request.Headers.Add("traceparent", $"00-{traceId}-{client.SpanId.ToHexString()}-01");
        return (traceId, await http.SendAsync(request, TestContext.Current.CancellationToken));
    }

    private static bool Is(ZipkinSpan span, string appId) => string.Equals(span.ServiceName, appId, StringComparison.OrdinalIgnoreCase);

    private static bool Kind(ZipkinSpan span, string kind) => string.Equals(span.Kind, kind, StringComparison.OrdinalIgnoreCase);

    /// <summary>The sidecar's spans are named as daprd names them: API calls after the Dapr API, hops CallLocal/CallRemote.</summary>
    private static bool IsSidecar(ZipkinSpan span) =>
        span.Name.StartsWith("CallLocal/", StringComparison.Ordinal) || span.Name.StartsWith("CallRemote/", StringComparison.Ordinal)
        || span.Name.StartsWith("pubsub/", StringComparison.Ordinal) || span.Name.Contains("/v1.0/", StringComparison.Ordinal)
        || span.Name.StartsWith("/dapr.proto.", StringComparison.Ordinal);

    private static bool IsApp(ZipkinSpan span, string appId) => Is(span, appId) && !IsSidecar(span);
}
