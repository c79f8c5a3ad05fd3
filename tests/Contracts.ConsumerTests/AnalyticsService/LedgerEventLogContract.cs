using LedgerX.Analytics.Api;
using LedgerX.Analytics.Api.Events;
using LedgerX.Analytics.Api.Rebuild;
using LedgerX.Pact;

namespace LedgerX.Contracts.ConsumerTests.AnalyticsService;

/// <summary>
/// analytics-service → transaction-service: the rebuild's <see cref="ILedgerEventLog"/>, built by the service's own
/// factory (<see cref="AnalyticsRegistration.CreateLedgerEventLog"/>) and pointed at the Pact mock server, asked with
/// the rebuild's page size. Declares what the replay reads of a page (each event's sequence, id, type and payload
/// object; the payloads' fields are the event contracts in contracts/events) and how it knows the last page.
/// </summary>
public sealed class LedgerEventLogContract
{
    // Fixed examples keep the pact file byte-for-byte the same on every run.
    private static readonly Guid ExampleEventId = Guid.Parse("0193a5c4-7f00-7000-8000-00000000c001");

    /// <summary>Past any sequence the provider state writes.</summary>
    private const long PastTheEnd = 1_000_000;

    private const string EventTypePattern = "^[a-z]+\\.[a-z_]+\\.v[0-9]+$";

    /// <summary>What the rebuild asks for per page (its configured default).</summary>
    private static readonly int PageSize = new AnalyticsOptions().RebuildPageSize;

    /// <summary>What the replay reads of each event: its position, id and type, and a payload object (whose fields are
    /// the event contracts in contracts/events, not this pact's).</summary>
    private static IMatcher AtLeastOneEvent => Match.MinType(new
    {
        sequence = Match.Integer(1),
        eventId = Match.Uuid(ExampleEventId),
        type = Match.Regex("account.opened.v1", EventTypePattern),
        payload = Match.Type(new { }),
    }, 1);

    /// <summary>The rebuild forwards its caller's access token (ledger:verify): any bearer token; the provider's
    /// verification supplies a valid one.</summary>
    private const string ExampleBearer = "Bearer eyJhbGciOiJSUzI1NiJ9.example.signature";

    private static IMatcher Authorization => Match.Regex(ExampleBearer, "^Bearer [A-Za-z0-9._~+/=-]+$");

    private static IMatcher Limit => Match.Regex(PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture), "^[0-9]+$");

    /// <summary>The state writes a handful of events, fewer than a page: the provider answers them all with no next
    /// cursor (LedgerLogApi gives one only when more events follow), so this first page is also the last.</summary>
    [Fact]
    public async Task TheFirstPage_HoldsTheLogsEvents_AndEndsTheReplayWhenNoCursorFollows()
    {
        var pact = Pacts.New(Pacts.AnalyticsOnLedger);
        pact.UponReceiving("a request for the ledger's events from the start")
            .Given("the ledger has posted a deposit")
            .WithRequest("GET", "/api/v1/ledger/events")
            .WithHeader("Authorization", Authorization)
            .WithQuery("after", "0")
            .WithQuery("limit", Limit)
            .WillRespond()
            .WithStatus(200)
            .WithJsonBody(new
            {
                items = AtLeastOneEvent,
                nextCursor = Match.Null(),
            });

        await pact.VerifyAsync(async uri =>
        {
            var page = await Client(uri).GetEventsAsync(0, PageSize, ExampleBearer, CancellationToken.None);

            var first = page.Items.ShouldHaveSingleItem();
            first.Sequence.ShouldBe(1);
            first.EventId.ShouldBe(ExampleEventId);
            first.Type.ShouldBe(Topics.AccountOpened);
            page.IsLastPage.ShouldBeTrue();
        });
    }

    /// <summary>A page smaller than the log: the provider says more follow with a cursor (a string), and the rebuild,
    /// which continues after the last sequence it read, must not stop there.</summary>
    [Fact]
    public async Task AFullPage_CarriesACursor_AndTheReplayAsksForMore()
    {
        var pact = Pacts.New(Pacts.AnalyticsOnLedger);
        pact.UponReceiving("a request for a page of the ledger's events with more to follow")
            .Given("the ledger has posted a deposit")
            .WithRequest("GET", "/api/v1/ledger/events")
            .WithHeader("Authorization", Authorization)
            .WithQuery("after", "0")
            .WithQuery("limit", Match.Regex("1", "^[0-9]+$"))
            .WillRespond()
            .WithStatus(200)
            .WithJsonBody(new
            {
                items = AtLeastOneEvent,
                nextCursor = Match.Type("1"),
            });

        await pact.VerifyAsync(async uri =>
        {
            var page = await Client(uri).GetEventsAsync(0, 1, ExampleBearer, CancellationToken.None);

            page.Items.ShouldHaveSingleItem().Sequence.ShouldBe(1);
            page.IsLastPage.ShouldBeFalse();
        });
    }

    [Fact]
    public async Task APagePastTheEnd_IsEmpty_AndEndsTheReplay()
    {
        var pact = Pacts.New(Pacts.AnalyticsOnLedger);
        pact.UponReceiving("a request for the ledger's events past its end")
            .Given("the ledger has posted a deposit")
            .WithRequest("GET", "/api/v1/ledger/events")
            .WithHeader("Authorization", Authorization)
            .WithQuery("after", PastTheEnd.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithQuery("limit", Limit)
            .WillRespond()
            .WithStatus(200)
            .WithJsonBody(new { items = Array.Empty<object>(), nextCursor = Match.Null() });

        await pact.VerifyAsync(async uri =>
        {
            var page = await Client(uri).GetEventsAsync(PastTheEnd, PageSize, ExampleBearer, CancellationToken.None);

            page.Items.ShouldBeEmpty();
            page.IsLastPage.ShouldBeTrue();
        });
    }

    private static ILedgerEventLog Client(Uri mockServer) => AnalyticsRegistration.CreateLedgerEventLog(new HttpClient { BaseAddress = mockServer });
}
