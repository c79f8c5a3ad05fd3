#!/usr/bin/env bash
# observe-servers.sh: Prometheus and Alertmanager from Debian for `./ledgerx up --observe` (sourced by devenv.sh, never
# run alone; it uses devenv.sh's choose_port, devenv_log and mail-servers.sh's helper_pid/stop_helper). Both scrape
# and alert on the running system with the repository's own configuration (observability/, docs/observability.md).
# shellcheck shell=bash

# ── Observability: Prometheus and Alertmanager ────────────────────────────────────────────────────────

OBSERVABILITY_DIR=$(cd "$DEVENV_SCRIPTS_DIR/../../observability" && pwd)
PROMETHEUS_BIN=${PROMETHEUS_BIN:-/usr/bin/prometheus}
ALERTMANAGER_BIN=${ALERTMANAGER_BIN:-/usr/bin/prometheus-alertmanager}

# Both answer 200 on /-/ready once they serve.
http_ready() {
    local reply
    reply=$( (exec 3<>"/dev/tcp/127.0.0.1/$1" &&
        printf 'GET /-/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3 &&
        IFS= read -r -t 2 line <&3 && printf '%s' "$line") 2>/dev/null) || true
    [[ "$reply" == "HTTP/1."?" 200"* ]]
}

# start_binary DIR NAME PREFERRED_PORT COMMAND...: runs COMMAND with {PORT} replaced by the chosen port, in the
# background (it outlives this shell; stop_observe_servers ends it), and waits up to 60 s for /-/ready. Prints the port.
start_binary() {
    local dir=$1 name=$2 preferred=$3 port pid arg args
    shift 3
    if pid=$(helper_pid "$dir" "$name") && [[ -s "$dir/$name.port" ]] && http_ready "$(<"$dir/$name.port")"; then
        devenv_log "$name already running in $dir on port $(<"$dir/$name.port")"
        cat "$dir/$name.port"
        return 0
    fi
    stop_helper "$dir" "$name"
    port=$(choose_port "$dir/$name.port" "$preferred") || return 1
    args=()
    for arg in "$@"; do args+=("${arg//\{PORT\}/$port}"); done
    nohup "${args[@]}" </dev/null >>"$dir/$name.log" 2>&1 &
    echo $! >"$dir/$name.pid"
    for _ in $(seq 1 600); do
        http_ready "$port" && break
        helper_pid "$dir" "$name" >/dev/null || break
        sleep 0.1
    done
    if ! http_ready "$port"; then
        tail -20 "$dir/$name.log" >&2 2>/dev/null || true
        stop_helper "$dir" "$name"
        devenv_die "$name failed to start in $dir (log above)"
        return 1
    fi
    devenv_log "$name started in $dir on 127.0.0.1:$port"
    printf '%s\n' "$port"
}

# start_alertmanager DIR: Alertmanager with observability/alertmanager/alertmanager.yml, its webhook pointed at
# LEDGERX_PROVIDER_SINK (where start_provider_sink put the sink). Sets LEDGERX_ALERTMANAGER.
start_alertmanager() {
    local dir=${1:?usage: start_alertmanager DIR} conf port
    [[ -x "$ALERTMANAGER_BIN" ]] || { devenv_die "prometheus-alertmanager is not installed (run ensure_packages)"; return 1; }
    conf="$dir/alertmanager"
    mkdir -p "$conf/data"
    sed "s#http://127.0.0.1:5149/alerts#${LEDGERX_PROVIDER_SINK:-http://127.0.0.1:5149}/alerts#" \
        "$OBSERVABILITY_DIR/alertmanager/alertmanager.yml" >"$conf/alertmanager.yml"
    # An empty cluster address: one local instance, no gossip port to collide with.
    port=$(start_binary "$dir" alertmanager "${LEDGERX_ALERTMANAGER_PORT:-}" "$ALERTMANAGER_BIN" \
        --config.file="$conf/alertmanager.yml" --storage.path="$conf/data" \
        --web.listen-address="127.0.0.1:{PORT}" --cluster.listen-address=) || return 1
    LEDGERX_ALERTMANAGER="http://127.0.0.1:$port"
    export LEDGERX_ALERTMANAGER
}

# start_prometheus DIR [RUN_FILE]: Prometheus with observability/prometheus (its rules as they are in the checkout),
# scraping every app and sidecar of RUN_FILE (default dapr.yaml) and alerting to LEDGERX_ALERTMANAGER.
# Sets LEDGERX_PROMETHEUS.
start_prometheus() {
    local dir=${1:?usage: start_prometheus DIR [RUN_FILE]} run_file=${2:-} conf port alertmanager
    [[ -x "$PROMETHEUS_BIN" ]] || { devenv_die "prometheus is not installed (run ensure_packages)"; return 1; }
    conf="$dir/prometheus"
    mkdir -p "$conf/data"
    alertmanager=${LEDGERX_ALERTMANAGER:-http://127.0.0.1:9093}
    "$OBSERVABILITY_DIR/targets.sh" "$conf/targets" "${alertmanager#http://}" ${run_file:+"$run_file"} || return 1
    ln -sfn "$OBSERVABILITY_DIR/prometheus/rules" "$conf/rules"
    # The port is chosen before the config is written: its self-scrape target names it.
    port=$(choose_port "$dir/prometheus.port" "${LEDGERX_PROMETHEUS_PORT:-}") || return 1
    sed "s#localhost:9090#127.0.0.1:$port#" "$OBSERVABILITY_DIR/prometheus/prometheus.yml" >"$conf/prometheus.yml"
    port=$(start_binary "$dir" prometheus "$port" "$PROMETHEUS_BIN" \
        --config.file="$conf/prometheus.yml" --storage.tsdb.path="$conf/data" --storage.tsdb.retention.time=7d \
        --web.listen-address="127.0.0.1:{PORT}" --web.enable-lifecycle) || return 1
    LEDGERX_PROMETHEUS="http://127.0.0.1:$port"
    export LEDGERX_PROMETHEUS
}

stop_observe_servers() {
    local dir=$1
    stop_helper "$dir" prometheus
    stop_helper "$dir" alertmanager
}
