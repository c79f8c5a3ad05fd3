namespace LedgerX.Pact.Tests;

/// <summary>How the mock server's mismatch report (pact_ffi 0.5.8's JSON) becomes one readable line per problem.</summary>
public sealed class MismatchDescriptions
{
    [Fact]
    public void One_line_per_missing_unexpected_and_differing_request()
    {
        const string report = """
            [
              {"type":"missing-request","method":"GET","path":"/a","request":{"method":"GET","path":"/a","query":{"after":["0"],"limit":["10"]}}},
              {"type":"request-not-found","method":"DELETE","path":"/b","request":{"method":"DELETE","path":"/b"}},
              {"type":"request-mismatch","method":"POST","path":"/c","mismatches":[
                {"type":"BodyMismatch","path":"$.reason","expected":"\"x\"","actual":"12","mismatch":"Expected 12 (Integer) to be the same type as 'x' (String)"},
                {"type":"HeaderMismatch","key":"Idempotency-Key","expected":"k","actual":"","mismatch":"Expected a header 'Idempotency-Key' but was missing"},
                {"type":"QueryMismatch","parameter":"limit","expected":"10","actual":"11","mismatch":"Expected '10' but received '11' for query parameter 'limit'"},
                {"type":"StatusMismatch","expected":200,"actual":500}
              ]}
            ]
            """;

        PactMismatchException.DescribeMismatches(report).ShouldBe(
        [
            "GET /a?after=0&limit=10: expected but never received",
            "DELETE /b: received but not in the pact (unexpected request)",
            "POST /c: body $.reason: Expected 12 (Integer) to be the same type as 'x' (String)",
            "POST /c: header Idempotency-Key: Expected a header 'Idempotency-Key' but was missing",
            "POST /c: query limit: Expected '10' but received '11' for query parameter 'limit'",
            "POST /c: status: expected 200 but got 500",
        ]);
    }

    [Fact]
    public void Text_that_is_not_json_is_kept_as_it_is() =>
        PactMismatchException.DescribeMismatches("boom").ShouldBe(["boom"]);
}
