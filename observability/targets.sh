#!/usr/bin/env bash
# targets.sh: Prometheus file_sd target lists for every app and sidecar of a dapr.yaml, so ports stay in dapr.yaml.
#
# usage: observability/targets.sh OUTDIR [ALERTMANAGER_HOST:PORT] [RUN_FILE]
#
# Writes OUTDIR/apps.json (each app's own /metrics on its appPort, or where its env's `*__MetricsUrl` says: the
# gateway serves its metrics on a management port, never on the public one), OUTDIR/sidecars.json (each sidecar's
# /metrics on its metricsPort) and OUTDIR/alertmanager.json. Every target is labelled app_id and tier, the labels the rules and
# dashboards select on (observability/prometheus/prometheus.yml). Prometheus re-reads the files when they change.
set -euo pipefail

out=${1:?usage: targets.sh OUTDIR [ALERTMANAGER_HOST:PORT] [RUN_FILE]}
alertmanager=${2:-127.0.0.1:9093}
run_file=${3:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/dapr.yaml}
mkdir -p "$out"

# "APP-ID APP-PORT METRICS-PORT" per app; a missing port is "-". APP-PORT is where the app's own /metrics is: its
# appPort, or the port of an env setting `<Section>__MetricsUrl: http://127.0.0.1:<port>` (the gateway's management
# listener). The awk reads only the fields dapr.yaml's apps use.
apps=$(awk '
    function flush() { if (id != "") print id, (own != "" ? own : (app == "" ? "-" : app)), (metrics == "" ? "-" : metrics) }
    /^[[:space:]]*-[[:space:]]*appID:/ { flush(); id = $NF; app = ""; metrics = ""; own = "" }
    /^[[:space:]]*appPort:/ { app = $NF }
    /^[[:space:]]*metricsPort:/ { metrics = $NF }
    /^[[:space:]]*[A-Za-z0-9_]+__MetricsUrl:/ { url = $NF; gsub(/["\/]+$/, "", url); n = split(url, parts, ":"); own = parts[n] }
    END { flush() }' "$run_file")

# One file_sd entry per target, written to FILE (then renamed, so Prometheus never reads half a file).
write_targets() {
    local file=$1 tier=$2 column=$3 first=1 id app metrics port
    {
        printf '['
        while read -r id app metrics; do
            port=$([[ "$column" == app ]] && echo "$app" || echo "$metrics")
            [[ "$port" == - ]] && continue
            ((first)) || printf ','
            first=0
            printf '\n  {"targets": ["127.0.0.1:%s"], "labels": {"app_id": "%s", "tier": "%s"}}' "$port" "$id" "$tier"
        done <<<"$apps"
        printf '\n]\n'
    } >"$file.tmp"
    mv -f "$file.tmp" "$file"
}

write_targets "$out/apps.json" app app
write_targets "$out/sidecars.json" sidecar metrics
printf '[\n  {"targets": ["%s"]}\n]\n' "$alertmanager" >"$out/alertmanager.json.tmp"
mv -f "$out/alertmanager.json.tmp" "$out/alertmanager.json"
