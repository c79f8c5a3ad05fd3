using System.Net;
using System.Text.Json;
using LedgerX.Auth.Audit.Chain;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.Extensions.DependencyInjection;
using static LedgerX.Auth.Audit.Tests.AuditEvents;

namespace LedgerX.Auth.Audit.Tests;

/// <summary>
/// The auditors' query API over a known set of records (appended once for the class, under actor ids unique to this
/// run so other tests' records never match): every filter, keyset pages both ways, one record, and the answers to
/// bad input, missing tokens and missing scopes.
/// </summary>
public sealed class AuditLogQueryTests(AuditLogQueryTests.SeededLog log) : IClassFixture<AuditLogQueryTests.SeededLog>
{
    public sealed class SeededLog : IAsyncLifetime
    {
        public static readonly DateTimeOffset Monday = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

        public AuditLogHost Host { get; } = new();

        public string Alice { get; } = $"alice-{Guid.NewGuid():N}";
        public string Bob { get; } = $"bob-{Guid.NewGuid():N}";
        public string Account { get; } = Guid.NewGuid().ToString();

        /// <summary>Appended in this order, so their sequences ascend in it.</summary>
        public List<AuditRecorded> Events { get; } = [];

        public async ValueTask InitializeAsync()
        {
            await Host.InitializeAsync();
            Events.AddRange(
            [
                Event(Alice, AuditActions.SignInSucceeded, occurredAt: Monday),
                Event(Alice, AuditActions.TokenIssued, occurredAt: Monday.AddHours(1)),
                Event(Bob, AuditActions.SignInFailed, AuditOutcomes.Failed, occurredAt: Monday.AddHours(2)),
                Event(Alice, AuditActions.AccountFrozen, subject: new AuditSubject("account", Account), occurredAt: Monday.AddDays(1)),
                Event(Bob, AuditActions.AccountUnfrozen, AuditOutcomes.Denied, new AuditSubject("account", Account), occurredAt: Monday.AddDays(2)),
                Event(Bob, AuditActions.TokenRevoked, actorType: "client", occurredAt: Monday.AddDays(3)),
            ]);
            await using var scope = Host.Services.CreateAsyncScope();
            var appender = scope.ServiceProvider.GetRequiredService<AuditLogAppender>();
            foreach (var e in Events)
            {
                await appender.AppendAsync(e, TestContext.Current.CancellationToken);
            }
        }

        public ValueTask DisposeAsync() => Host.DisposeAsync();
    }

    private HttpClient Auditor => log.Host.Auditor;

    private async Task<List<Guid>> IdsAsync(string query) => [.. (await Auditor.PageAsync(query)).Items.Select(r => r.EventId)];

    private List<Guid> Expected(params int[] indexes) => [.. indexes.Select(i => log.Events[i].EventId)];

    [Fact]
    public async Task FiltersByActor() =>
        (await IdsAsync($"actorType=user&actorId={log.Bob}")).ShouldBe(Expected(2, 4));

    [Fact]
    public async Task FiltersByExactAction_AndByActionPrefix()
    {
        (await IdsAsync($"actorId={log.Alice}&action={AuditActions.TokenIssued}")).ShouldBe(Expected(1));
        (await IdsAsync($"actorId={log.Alice}&action=auth.*")).ShouldBe(Expected(0, 1));
        (await IdsAsync($"actorId={log.Bob}&action=ledger.account.*")).ShouldBe(Expected(4));
        // A prefix is whole words: "auth.sign" is no prefix of auth.sign_in.*.
        (await IdsAsync($"actorId={log.Bob}&action=auth.sign.*")).ShouldBeEmpty();
    }

    [Fact]
    public async Task FiltersBySubject() =>
        (await IdsAsync($"subjectType=account&subjectId={log.Account}")).ShouldBe(Expected(3, 4));

    [Fact]
    public async Task FiltersByTime_FromInclusive_ToExclusive()
    {
        var from = Uri.EscapeDataString(SeededLog.Monday.AddHours(1).ToString("O"));
        var to = Uri.EscapeDataString(SeededLog.Monday.AddDays(2).ToString("O"));
        (await IdsAsync($"actorId={log.Alice}&from={from}&to={to}")).ShouldBe(Expected(1, 3));
        (await IdsAsync($"actorId={log.Bob}&from={from}&to={to}")).ShouldBe(Expected(2));
    }

    [Fact]
    public async Task FiltersByOutcome() =>
        (await IdsAsync($"actorId={log.Bob}&outcome=denied")).ShouldBe(Expected(4));

    [Fact]
    public async Task PagesByCursor_InLogOrder_AndNewestFirst()
    {
        var first = await Auditor.PageAsync($"actorId={log.Alice}&limit=2");
        first.Items.Select(r => r.EventId).ShouldBe(Expected(0, 1));
        var second = await Auditor.PageAsync($"actorId={log.Alice}&limit=2&cursor={first.Next.ShouldNotBeNull()}");
        second.Items.Select(r => r.EventId).ShouldBe(Expected(3));
        second.Next.ShouldBeNull();

        var newest = await Auditor.PageAsync($"actorId={log.Bob}&order=desc&limit=2");
        newest.Items.Select(r => r.EventId).ShouldBe(Expected(5, 4));
        var older = await Auditor.PageAsync($"actorId={log.Bob}&order=desc&limit=2&cursor={newest.Next.ShouldNotBeNull()}");
        older.Items.Select(r => r.EventId).ShouldBe(Expected(2));
        older.Next.ShouldBeNull();
    }

    [Fact]
    public async Task OneRecord_BySequence_OrNotFound()
    {
        var record = (await Auditor.PageAsync($"actorId={log.Alice}&limit=1")).Items.Single();
        var response = await Auditor.GetAsync($"/api/v1/audit/events/{record.Sequence}", TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);

        var missing = await Auditor.GetAsync("/api/v1/audit/events/999999999", TestContext.Current.CancellationToken);
        await ProblemAsync(missing, HttpStatusCode.NotFound, "audit_event_not_found");
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("actorType=robot", "actorType")]
    [InlineData("action=Auth.Sign_In", "action")]
    [InlineData("action=auth.%25", "action")]
    [InlineData("outcome=maybe", "outcome")]
    [InlineData("order=sideways", "order")]
    [InlineData("from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "to")]
    [InlineData("from=yesterday", "from")]
    [InlineData("cursor=garbage!", "cursor")]
    [InlineData("cursor=djE6YXNjOjU&order=desc", "cursor")]
    public async Task BadQueryInput_IsAValidationProblem_NamingTheField(string query, string field)
    {
        var response = await Auditor.GetAsync($"/api/v1/audit/events?{query}", TestContext.Current.CancellationToken);

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest, "validation");
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
    }

    [Theory]
    [InlineData("GET", "/api/v1/audit/events")]
    [InlineData("GET", "/api/v1/audit/events/1")]
    [InlineData("POST", "/api/v1/audit/verify")]
    public async Task EveryRoute_Is401WithoutAToken_403WithoutTheScope(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        var anonymous = await log.Host.Anonymous.SendAsync(request, TestContext.Current.CancellationToken);
        anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        using var teller = log.Host.Client(AuditLogHost.Token("teller-1", Permissions.LedgerRead, Permissions.LedgerWrite));
        using var again = new HttpRequestMessage(new HttpMethod(method), path);
        var forbidden = await teller.SendAsync(again, TestContext.Current.CancellationToken);
        forbidden.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task ATokenWithTheScope_MayVerify_AndTheVerificationIsItselfAudited()
    {
        var auditor = $"auditor-{Guid.NewGuid():N}";
        using var client = log.Host.Client(AuditLogHost.Token(auditor, Permissions.AuditRead));

        var report = await client.VerifyAsync();

        report.Ok.ShouldBeTrue(report.FirstBreak?.Detail);
        report.FirstBreak.ShouldBeNull();
        report.Count.ShouldBeGreaterThanOrEqualTo(log.Events.Count);
        var own = (await client.PageAsync($"actorId={auditor}")).Items.ShouldHaveSingleItem();
        own.Action.ShouldBe(AuditActions.AuditLogVerified);
        own.Actor.Type.ShouldBe("user");
        own.Subject.ShouldNotBeNull().Type.ShouldBe("audit_log");
        own.Details.ShouldNotBeNull()["result"].ShouldBe("intact");
        own.Details["headHash"].ShouldBe(report.HeadHash);
        own.Sequence.ShouldBe(report.HeadSequence + 1);
        own.PreviousHash.ShouldBe(report.HeadHash);
        AuditChain.Hex(AuditChain.Genesis).Length.ShouldBe(report.HeadHash.Length);
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(status, body);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        problem.GetProperty("code").GetString().ShouldBe(code, body);
        return problem;
    }
}
