#!/usr/bin/env bash
# mail-servers.sh: the local SMTP server and SMS/push provider sink of devenv.sh (sourced by it, never run alone;
# it uses devenv.sh's choose_port and devenv_log). Split out of devenv.sh to keep each file a size a person can hold.
# shellcheck shell=bash

# ── Mail: SMTP server and provider sink ───────────────────────────────────────────────────────────────

# The pid in DIR/NAME.pid if that process is alive.
helper_pid() {
    local file="$1/$2.pid" pid
    [[ -s "$file" ]] || return 1
    pid=$(<"$file")
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && printf '%s\n' "$pid"
}

# An SMTP server greets with "220 ..." as soon as it accepts a connection.
smtp_answers() {
    local reply
    reply=$( (exec 3<>"/dev/tcp/127.0.0.1/$1" && IFS= read -r -t 2 line <&3 && printf 'QUIT\r\n' >&3 &&
        printf '%s' "$line") 2>/dev/null) || true
    [[ "$reply" == 220* ]]
}

provider_sink_answers() {
    local reply
    reply=$( (exec 3<>"/dev/tcp/127.0.0.1/$1" &&
        printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3 &&
        IFS= read -r -t 2 line <&3 && printf '%s' "$line") 2>/dev/null) || true
    [[ "$reply" == "HTTP/1."?" 200"* ]]
}

# start_helper DIR NAME PREFERRED_PORT PROBE SCRIPT ARG: runs tools/devenv/SCRIPT 127.0.0.1:PORT ARG in the
# background (it outlives this shell: `stop DIR` ends it) and waits up to 20 s until PROBE PORT succeeds.
# Prints the port.
start_helper() {
    local dir=$1 name=$2 preferred=$3 probe=$4 script=$5 arg=$6 port attempt pid
    if pid=$(helper_pid "$dir" "$name") && [[ -s "$dir/$name.port" ]] && "$probe" "$(<"$dir/$name.port")"; then
        devenv_log "$name already running in $dir on port $(<"$dir/$name.port")"
        cat "$dir/$name.port"
        return 0
    fi
    stop_helper "$dir" "$name"
    for attempt in 1 2 3; do
        port=$(choose_port "$dir/$name.port" "$preferred") || return 1
        nohup "$LEDGERX_SYSTEM_PYTHON" "$DEVENV_SCRIPTS_DIR/$script" "127.0.0.1:$port" "$arg" \
            </dev/null >>"$dir/$name.log" 2>&1 &
        echo $! >"$dir/$name.pid"
        for _ in $(seq 1 200); do
            "$probe" "$port" && break
            helper_pid "$dir" "$name" >/dev/null || break
            sleep 0.1
        done
        if "$probe" "$port"; then
            devenv_log "$name started in $dir on 127.0.0.1:$port"
            printf '%s\n' "$port"
            return 0
        fi
        stop_helper "$dir" "$name"
        rm -f "$dir/$name.port"
        if ((attempt == 3)); then
            tail -20 "$dir/$name.log" >&2 2>/dev/null || true
            devenv_die "$name failed to start in $dir (log above)"
            return 1
        fi
    done
}

stop_helper() {
    local dir=$1 name=$2 pid
    pid=$(helper_pid "$dir" "$name") || { rm -f "$dir/$name.pid"; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$dir/$name.pid"; return 0; }
        sleep 0.1
    done
    devenv_log "$name in $dir did not stop in time; killing $pid"
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$dir/$name.pid"
}

# The SMTP server bindings.smtp (component notify-email) delivers to; every mail lands in DIR/mail/new.
start_smtp() {
    local dir=${1:?usage: start_smtp DIR} port
    system_python_has aiosmtpd || { devenv_die "python3-aiosmtpd is not installed (run ensure_packages)"; return 1; }
    mkdir -p "$dir"
    port=$(start_helper "$dir" smtp "${LEDGERX_SMTP_PORT:-}" smtp_answers smtp-maildir.py "$dir/mail") || return 1
    LEDGERX_SMTP="127.0.0.1:$port"
    LEDGERX_MAILDIR="$dir/mail"
    export LEDGERX_SMTP LEDGERX_MAILDIR
}

# The SMS and push providers' stand-in bindings.http (notify-sms, notify-push) posts to.
start_provider_sink() {
    local dir=${1:?usage: start_provider_sink DIR} port
    mkdir -p "$dir"
    port=$(start_helper "$dir" provider-sink "${LEDGERX_PROVIDER_SINK_PORT:-}" provider_sink_answers provider-sink.py \
        "$dir/provider-sink.jsonl") || return 1
    LEDGERX_PROVIDER_SINK="http://127.0.0.1:$port"
    LEDGERX_PROVIDER_SINK_LOG="$dir/provider-sink.jsonl"
    export LEDGERX_PROVIDER_SINK LEDGERX_PROVIDER_SINK_LOG
}

stop_mail_servers() {
    local dir=$1
    stop_helper "$dir" smtp
    stop_helper "$dir" provider-sink
}

print_mail_env() {
    local format=$1 key value
    for key in LEDGERX_SMTP LEDGERX_MAILDIR LEDGERX_PROVIDER_SINK LEDGERX_PROVIDER_SINK_LOG; do
        value=${!key}
        if [[ "$format" == export ]]; then
            value=$(printf '%s' "$value" | sed "s/'/'\\\\''/g")
            printf "export %s='%s'\nexport %s='%s'\n" "$key" "$value" "${key/LEDGERX_/LEDGERX_TEST_}" "$value"
        else
            printf '%s=%s\n' "$key" "$value"
        fi
    done
}
