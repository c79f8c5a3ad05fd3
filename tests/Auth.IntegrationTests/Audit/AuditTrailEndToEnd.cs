using System.Diagnostics;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Auth;

namespace LedgerX.Auth.IntegrationTests.Audit;

/// <summary>
/// The whole audit trail as it runs: a user's security events leave auth-service's outbox, travel through its sidecar's
/// pub/sub on audit.recorded.v1, land once each in the hash-chained audit log that auth-service hosts, and an auditor
/// finds them with a token carrying audit:read and verifies the chain.
/// </summary>
public sealed class AuditTrailEndToEnd(AuthServer server)
{
    [Fact]
    public async Task AUsersSecurityEventsReachTheVerifiedAuditLogThroughPubSub()
    {
        var (id, email) = await Accounts.ConfirmedUserAsync(server);
        using (var browser = server.Browser())
        {
            (await browser.SignInAsync(email, "Wrong-Passw0rd-Long")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        await OAuth.CodeFlowAsync(server, email, Accounts.Password, $"openid {Permissions.LedgerRead}");

        var (_, auditorEmail) = await Accounts.ConfirmedUserAsync(server, "auditor");
        var auditor = await OAuth.CodeFlowAsync(server, auditorEmail, Accounts.Password, $"openid {Permissions.AuditRead}");

        string[] expected = [AuditActions.UserRegistered, AuditActions.UserConfirmed, AuditActions.SignInFailed, AuditActions.SignInSucceeded];
        var records = await EventuallyAsync(auditor.AccessToken, $"/api/v1/audit/events?subjectId={id}&action=auth.*",
            items => expected.All(action => items.Any(i => i["action"]!.GetValue<string>() == action)));

        foreach (var action in expected)
        {
            records.Count(r => r["action"]!.GetValue<string>() == action).ShouldBe(1, $"{action} recorded once");
        }
        records.Select(r => r["source"]!.GetValue<string>()).Distinct().ShouldBe(["auth-service"]);
        var sequences = records.Select(r => r["sequence"]!.GetValue<long>()).ToList();
        sequences.ShouldBe(sequences.Order().ToList(), "the log keeps the order it recorded them in");

        using var verify = await Accounts.SendAsync(server, HttpMethod.Post, "/api/v1/audit/verify", auditor.AccessToken);
        verify.StatusCode.ShouldBe(HttpStatusCode.OK, await verify.Content.ReadAsStringAsync());
        var report = (await verify.Content.ReadFromJsonAsync<JsonObject>())!;
        report["ok"]!.GetValue<bool>().ShouldBeTrue(report.ToJsonString());
        report["headSequence"]!.GetValue<long>().ShouldBeGreaterThanOrEqualTo(sequences.Max());
    }

    [Fact]
    public async Task ATokenWithoutAuditReadCannotReadTheLog()
    {
        var (_, email) = await Accounts.ConfirmedUserAsync(server);
        var customer = await OAuth.CodeFlowAsync(server, email, Accounts.Password, $"openid {Permissions.LedgerRead} {Permissions.AuditRead}");
        customer.Scopes.ShouldNotContain(Permissions.AuditRead, "a customer's roles do not allow audit:read, whatever the client asks");

        using var forbidden = await Accounts.SendAsync(server, HttpMethod.Get, "/api/v1/audit/events", customer.AccessToken);
        forbidden.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var anonymous = await server.Client.GetAsync("/api/v1/audit/events");
        anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    /// <summary>Reads every page of the query until <paramref name="done"/> holds (delivery is asynchronous), or fails
    /// after 90 s with what it saw. Alone this takes seconds; a loaded CI box (every test project at once) once needed
    /// more than 30 s for the outbox → sidecar → subscription path.</summary>
    private async Task<IReadOnlyList<JsonObject>> EventuallyAsync(string token, string query, Func<IReadOnlyList<JsonObject>, bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var items = new List<JsonObject>();
            string? cursor = null;
            do
            {
                var url = cursor is null ? query : $"{query}&cursor={Uri.EscapeDataString(cursor)}";
                using var page = await Accounts.SendAsync(server, HttpMethod.Get, url, token);
                page.StatusCode.ShouldBe(HttpStatusCode.OK, await page.Content.ReadAsStringAsync());
                var body = (await page.Content.ReadFromJsonAsync<JsonObject>())!;
                items.AddRange(body["items"]!.AsArray().Select(i => i!.AsObject()));
                cursor = body["next"]?.GetValue<string>();
            }
            while (cursor is not null);

            if (done(items))
            {
                return items;
            }
            if (clock.Elapsed > TimeSpan.FromSeconds(90))
            {
                throw new ShouldAssertException($"The audit log did not show the expected events within 90 s; it had: " +
                    string.Join(", ", items.Select(i => i["action"]!.GetValue<string>())));
            }
            await Task.Delay(200);
        }
    }
}
