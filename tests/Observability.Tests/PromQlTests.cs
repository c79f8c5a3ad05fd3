namespace LedgerX.Observability.Tests;

/// <summary>The name checks are only as good as the names they see: the extraction and the inventory, checked directly.</summary>
public sealed class PromQlTests
{
    [Fact]
    public void MetricNames_AreTheSelectedSeries_NotFunctionsLabelsKeywordsOrNumbers()
    {
        string expression = """
            (sum by (app_id) (rate(http_server_request_duration_seconds_count{tier="app", http_route!~"/healthz|/x{y}"}[5m]))
              - on (topic) group_right sum by (app_id, topic) (increase(dapr_component_pubsub_ingress_count[10m] offset 1h)))
            / ignoring (le) slo:gateway_request_errors:ratio_rate5m > 14.4 * 1e-3 or vector(0)
            """;

        PromQl.MetricNames(expression).Order(StringComparer.Ordinal).ShouldBe(
            ["dapr_component_pubsub_ingress_count", "http_server_request_duration_seconds_count", "slo:gateway_request_errors:ratio_rate5m"]);
    }

    [Fact]
    public void Inventory_HoldsTheNamesAsTheExportersWriteThem()
    {
        var names = MetricInventory.Exported;

        // Gauge with unit "s", counter, histogram without a unit, up-down counter, a daprd histogram and counter.
        names.ShouldContain("ledgerx_outbox_lag_seconds");
        names.ShouldContain("ledgerx_ledger_commands_total");
        names.ShouldContain("ledgerx_ledger_batch_size_bucket");
        names.ShouldContain("ledgerx_live_connections");
        names.ShouldContain("ledgerx_reversals_duration_seconds_bucket");
        names.ShouldContain("dapr_http_server_latency_bucket");
        names.ShouldContain("dapr_component_pubsub_egress_count");
        names.ShouldNotContain("ledgerx_outbox_lag");
        names.ShouldNotContain("ledgerx_live_connections_total");
    }
}
