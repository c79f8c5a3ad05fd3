using System.Text.Json;
using LedgerX.LocalDapr.Conformance.Tests.Harness;

namespace LedgerX.LocalDapr.Conformance.Tests.State;

/// <summary>
/// State management as @dapr/dapr 3.18 sees it (js/apps/state/app.js), over HTTP and gRPC: etags (a malformed one
/// is a mismatch), first-write as each store answers it, bulk get, transactions, TTL metadata, and keys with
/// <c>||</c> refused. Run once per backend by the sealed classes below.
/// </summary>
public abstract class StateConformance(StateAppFixture fixture)
{
    private const int GrpcAborted = 10;
    private const int GrpcInternal = 13;
    private const int GrpcInvalidArgument = 3;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private JsAppRun App => fixture.App;

    private bool InMemory => fixture.Backend == ConformanceBackend.InMemory;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_stale_or_malformed_etag_is_refused_as_a_conflict_and_the_current_one_wins(bool grpc)
    {
        string key = NewKey("etag");
        Ok(await Call("/save", new { grpc, key, value = new { n = 1 } }));
        string stale = Etag(await Call("/bulk", new { keys = new[] { key } }));
        Ok(await Call("/save", new { grpc, key, value = new { n = 2 } }));
        string current = Etag(await Call("/bulk", new { keys = new[] { key } }));

        foreach (string etag in new[] { stale, "not-a-uuid" })
        {
            var refused = await Call("/save", new { grpc, key, value = new { n = 3 }, etag });
            if (grpc)
            {
                GrpcCode(refused).ShouldBe(GrpcAborted, refused.ToString());
            }
            else
            {
                HttpStatus(refused).ShouldBe(409, refused.ToString());
                refused.GetProperty("body").GetProperty("errorCode").GetString().ShouldBe("ERR_STATE_SAVE");
            }
        }

        Ok(await Call("/save", new { grpc, key, value = new { n = 4 }, etag = current }));
        (await Call("/get", new { grpc, key })).GetProperty("value").GetProperty("n").GetInt32().ShouldBe(4);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task First_write_without_an_etag_creates_but_never_replaces(bool grpc)
    {
        string key = NewKey("first");
        Ok(await Call("/save", new { grpc, key, value = "first", firstWrite = true }));

        var second = await Call("/save", new { grpc, key, value = "second", firstWrite = true });

        // in-memory: ETagMismatch (409 / Aborted); PostgreSQL v2: a plain store error (500 / Internal).
        if (grpc)
        {
            GrpcCode(second).ShouldBe(InMemory ? GrpcAborted : GrpcInternal, second.ToString());
        }
        else
        {
            HttpStatus(second).ShouldBe(InMemory ? 409 : 500, second.ToString());
        }

        (await Call("/get", new { key })).GetProperty("value").GetString().ShouldBe("first");
    }

    [Fact]
    public async Task Bulk_get_returns_every_key_with_data_and_etag_and_nothing_for_a_missing_one()
    {
        string a = NewKey("bulk-a"), b = NewKey("bulk-b"), missing = NewKey("bulk-missing");
        Ok(await Call("/save", new { key = a, value = "one" }));
        Ok(await Call("/save", new { key = b, value = new { two = 2 } }));

        var items = Ok(await Call("/bulk", new { keys = new[] { a, b, missing } })).GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("key").GetString()!);

        items[a].GetProperty("data").GetString().ShouldBe("one");
        items[b].GetProperty("data").GetProperty("two").GetInt32().ShouldBe(2);
        items[a].GetProperty("etag").GetString().ShouldNotBeNullOrEmpty();
        items[missing].TryGetProperty("data", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task A_transaction_applies_everything_or_nothing()
    {
        string kept = NewKey("tx-kept"), gone = NewKey("tx-gone"), never = NewKey("tx-never");
        Ok(await Call("/save", new { key = gone, value = "x" }));
        Ok(await Call("/transaction", new { operations = new object[] { new { operation = "upsert", key = kept, value = "one" }, new { operation = "delete", key = gone } } }));
        (await Call("/get", new { key = kept })).GetProperty("value").GetString().ShouldBe("one");
        (await Call("/get", new { key = gone })).GetProperty("value").ValueKind.ShouldBe(JsonValueKind.Null);

        var failed = await Call("/transaction", new
        {
            operations = new object[]
            {
                new { operation = "upsert", key = never, value = "two" },
                new { operation = "upsert", key = kept, value = "changed", etag = Guid.NewGuid().ToString() },
            },
        });

        failed.GetProperty("failed").GetBoolean().ShouldBeTrue();
        failed.GetProperty("status").GetInt32().ShouldBe(500);
        (await Call("/get", new { key = never })).GetProperty("value").ValueKind.ShouldBe(JsonValueKind.Null);
        (await Call("/get", new { key = kept })).GetProperty("value").GetString().ShouldBe("one");
    }

    [Fact]
    public async Task An_item_saved_with_a_ttl_reports_its_expiry_in_rfc3339_seconds_on_bulk_get()
    {
        string key = NewKey("ttl");
        Ok(await Call("/save", new { key, value = "brief", ttlInSeconds = 3600 }));

        var item = Ok(await Call("/bulk", new { keys = new[] { key } })).GetProperty("items")[0];

        item.GetProperty("metadata").GetProperty("ttlExpireTime").GetString()!.ShouldMatch(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_key_containing_the_separator_is_refused(bool grpc)
    {
        var refused = await Call("/save", new { grpc, key = "Probe||a1||balance", value = 1_000_000 });

        if (grpc)
        {
            GrpcCode(refused).ShouldBe(GrpcInvalidArgument, refused.ToString());
        }
        else
        {
            HttpStatus(refused).ShouldBe(400, refused.ToString());
            var body = refused.GetProperty("body");
            body.GetProperty("errorCode").GetString().ShouldBe("ERR_MALFORMED_REQUEST");
            body.GetProperty("details").EnumerateArray().Select(d => d.TryGetProperty("reason", out var r) ? r.GetString() : null).ShouldContain("DAPR_STATE_ILLEGAL_KEY");
        }
    }

    private string NewKey(string what) => $"{what}-{fixture.Backend}-{Guid.NewGuid():N}";

    private Task<JsonElement> Call(string route, object body) => App.CallAsync(route, body, Ct);

    private JsonElement Ok(JsonElement result)
    {
        result.GetProperty("failed").GetBoolean().ShouldBeFalse($"{result}\n{App.Log}");
        return result;
    }

    private static string Etag(JsonElement bulk) => bulk.GetProperty("items")[0].GetProperty("etag").GetString()!;

    private static int HttpStatus(JsonElement result)
    {
        result.GetProperty("failed").GetBoolean().ShouldBeTrue(result.ToString());
        return result.GetProperty("status").GetInt32();
    }

    private static int GrpcCode(JsonElement result)
    {
        result.GetProperty("failed").GetBoolean().ShouldBeTrue(result.ToString());
        return result.GetProperty("code").GetInt32();
    }
}

public sealed class StateConformanceInMemory(StateAppInMemory fixture) : StateConformance(fixture), IClassFixture<StateAppInMemory>;

public sealed class StateConformancePostgresRedis(StateAppPostgresRedis fixture) : StateConformance(fixture), IClassFixture<StateAppPostgresRedis>;
