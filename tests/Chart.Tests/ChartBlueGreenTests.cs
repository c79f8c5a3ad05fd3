namespace LedgerX.Chart.Tests;

/// <summary>Blue/green (docs/deployment.md): each colour a release in its own namespace with the same Dapr app ids and
/// component names, and a route release whose only object sends client traffic to the live colour's gateway. The switch
/// changes that route's backend and nothing else.</summary>
public sealed class ChartBlueGreen
{
    private const string RouteNamespace = "ledgerx-route";

    private static RenderedChart Colour(string colour) => ChartRenderer.Render("-f", ChartProduction.ProductionValues,
        "--set", $"colour={colour},blueGreen.routeNamespace={RouteNamespace}", "--name", $"ledgerx-{colour}", "--namespace", $"ledgerx-{colour}");

    private static RenderedChart Route(string live) => ChartRenderer.Render("--set", $"blueGreen.route.enabled=true,blueGreen.route.live={live}",
        "--name", "ledgerx-route", "--namespace", RouteNamespace, "--notes");

    [Fact]
    public void Switching_the_live_colour_changes_only_the_routes_backend()
    {
        var toBlue = Route("blue");
        var toGreen = Route("green");

        var blueRoute = toBlue.Manifests.ShouldHaveSingleItem("the route release renders the route and nothing else");
        var greenRoute = toGreen.Manifests.ShouldHaveSingleItem();
        blueRoute.Kind.ShouldBe("HTTPRoute");
        blueRoute.Name.ShouldBe(greenRoute.Name);

        var differences = Differences(blueRoute.Root, greenRoute.Root, "").ToList();
        differences.Order().ShouldBe([
            "/metadata/labels/ledgerx.io/live-colour",
            "/spec/rules/0/backendRefs/0/name",
            "/spec/rules/0/backendRefs/0/namespace",
        ]);
        toGreen.Notes.ShouldContain("goes to the green colour");
    }

    [Theory]
    [InlineData("blue")]
    [InlineData("green")]
    public void The_route_sends_clients_to_the_gateway_service_of_the_live_colour_which_grants_it(string live)
    {
        var backend = Route(live).Manifests.Single().List("spec", "rules").Single();
        var colour = Colour(live);
        var gateway = colour.ForApp("Service", "gateway");
        var grant = colour.OfKind("ReferenceGrant").ShouldHaveSingleItem();

        Node.Str(backend, "backendRefs", 0, "name").ShouldBe(gateway.Name);
        Node.Str(backend, "backendRefs", 0, "namespace").ShouldBe($"ledgerx-{live}");
        Node.Str(backend, "backendRefs", 0, "port").ShouldBe(Node.Str(gateway.List("spec", "ports").Single(), "port"));
        Node.Str(grant.List("spec", "from").Single(), "namespace").ShouldBe(RouteNamespace);
        Node.Str(grant.List("spec", "from").Single(), "kind").ShouldBe("HTTPRoute");
        Node.Str(grant.List("spec", "to").Single(), "name").ShouldBe(gateway.Name, "the grant opens the gateway, nothing else");
    }

    [Fact]
    public void The_colours_keep_the_dapr_app_ids_and_component_names_and_label_their_pods()
    {
        var blue = Colour("blue");
        var green = Colour("green");

        AppIds(blue).ShouldBe(AppIds(green), "app ids are contracts: the colours differ by namespace, not by app id");
        blue.OfKind("Component").Select(c => c.Name).Order().ShouldBe(green.OfKind("Component").Select(c => c.Name).Order());
        foreach (var (chart, colour) in new[] { (blue, "blue"), (green, "green") })
        {
            chart.OfKind("HTTPRoute").ShouldBeEmpty("a colour never routes clients itself");
            foreach (var deployment in chart.OfKind("Deployment"))
            {
                deployment.Str("spec", "template", "metadata", "labels", "ledgerx.io/colour").ShouldBe(colour);
                deployment.Map("spec", "selector", "matchLabels").ContainsKey("ledgerx.io/colour")
                    .ShouldBeFalse("a selector cannot change after install, and a release is one colour for life");
            }
            // Shared consumer groups (the app id, the same in both namespaces): the idle colour does not receive every event
            // a second time.
            Node.Str(chart.Single("Component", "pubsub").List("spec", "metadata").Single(m => Node.Str(m, "name") == "consumerGroup"), "value")
                .ShouldBe("{appID}");
        }
    }

    [Theory]
    [InlineData("colour=red", "colour must be blue, green or empty, not \"red\"")]
    [InlineData("blueGreen.route.enabled=true,blueGreen.route.live=teal", "blueGreen.route.live must be blue or green, not \"teal\"")]
    [InlineData("blueGreen.routeNamespace=ledgerx-route", "blueGreen.routeNamespace is set but colour is not")]
    public void A_wrong_colour_fails_the_render(string set, string message)
    {
        var (exitCode, stdout, stderr) = ChartRenderer.Run("--set", set);

        exitCode.ShouldBe(1, stdout);
        stderr.ShouldContain(message);
    }

    private static List<string> AppIds(RenderedChart chart) =>
        [.. chart.OfKind("Deployment").Select(d => d.Str("spec", "template", "metadata", "annotations", "dapr.io/app-id")!).Order()];

    /// <summary>The paths at which two YAML trees differ.</summary>
    private static IEnumerable<string> Differences(object? a, object? b, string path)
    {
        switch (a, b)
        {
            case (Dictionary<object, object> x, Dictionary<object, object> y):
                foreach (var key in x.Keys.Union(y.Keys))
                {
                    foreach (var d in Differences(x.GetValueOrDefault(key), y.GetValueOrDefault(key), $"{path}/{key}"))
                    {
                        yield return d;
                    }
                }
                break;
            case (List<object> x, List<object> y) when x.Count == y.Count:
                for (var i = 0; i < x.Count; i++)
                {
                    foreach (var d in Differences(x[i], y[i], $"{path}/{i}"))
                    {
                        yield return d;
                    }
                }
                break;
            default:
                if (!Equals(a, b))
                {
                    yield return path;
                }
                break;
        }
    }
}
