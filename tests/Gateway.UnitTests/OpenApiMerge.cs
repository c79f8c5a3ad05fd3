using System.Text.Json.Nodes;
using LedgerX.Gateway.Api.OpenApi;

namespace LedgerX.Gateway.UnitTests;

public sealed class OpenApiMerge
{
    [Fact]
    public void ARenamedSchemaIsReferencedByItsNewNameEverywhereInThatServicesPart()
    {
        var ledger = Document("/api/v1/accounts", ("Money", "ledger"), ("Account", "ledger"));
        ledger["components"]!["schemas"]!["Account"]!["properties"] = new JsonObject { ["balance"] = Ref("Money") };
        var fraud = Document("/api/v1/alerts", ("Money", "fraud"));

        var merged = OpenApiMerger.Merge("v1", [new("transaction-service", ledger), new("fraud-service", fraud)], []);

        var schemas = merged["components"]!["schemas"]!.AsObject();
        schemas["Money"]!["description"]!.GetValue<string>().ShouldBe("ledger");
        schemas["FraudServiceMoney"]!["description"]!.GetValue<string>().ShouldBe("fraud");
        schemas["Account"]!["properties"]!["balance"]!["$ref"]!.GetValue<string>().ShouldBe("#/components/schemas/Money");
        merged["paths"]!["/api/v1/alerts"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]!
            .GetValue<string>().ShouldBe("#/components/schemas/FraudServiceMoney");
    }

    [Fact]
    public void OnlyPathsOfTheVersionAreKept()
    {
        var doc = Document("/api/v1/accounts", ("Money", "x"));
        doc["paths"]!["/api/v2/accounts"] = doc["paths"]!["/api/v1/accounts"]!.DeepClone();
        doc["paths"]!["/events/transaction-posted"] = new JsonObject();

        var merged = OpenApiMerger.Merge("v2", [new("transaction-service", doc)], []);

        merged["paths"]!.AsObject().Select(p => p.Key).ShouldBe(["/api/v2/accounts"]);
    }

    [Fact]
    public void MissingServicesAreNamedInTheDescription()
    {
        var merged = OpenApiMerger.Merge("v1", [], ["fraud-service"]);

        merged["info"]!["description"]!.GetValue<string>().ShouldContain("fraud-service");
        merged["paths"]!.AsObject().Count.ShouldBe(0);
    }

    private static JsonObject Ref(string schema) => new() { ["$ref"] = "#/components/schemas/" + schema };

    private static JsonObject Document(string path, params (string Name, string Description)[] schemas)
    {
        var components = new JsonObject();
        foreach (var (name, description) in schemas)
        {
            components[name] = new JsonObject { ["type"] = "object", ["description"] = description };
        }
        return new JsonObject
        {
            ["paths"] = new JsonObject
            {
                [path] = new JsonObject
                {
                    ["get"] = new JsonObject
                    {
                        ["responses"] = new JsonObject
                        {
                            ["200"] = new JsonObject
                            {
                                ["description"] = "OK",
                                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref(schemas[0].Name) } },
                            },
                        },
                    },
                },
            },
            ["components"] = new JsonObject { ["schemas"] = components },
        };
    }
}
