#!/usr/bin/env bash
# devenv.sh: private PostgreSQL and Redis servers for tests, `ledgerx up` and the local Dapr launcher.
#
# We never use system services: every caller gets its own servers, in a directory it names, on free
# loopback ports, so parallel runs, CI and a developer's `ledgerx up` never collide.
#
# ── Contract (stable: tools/LocalDapr and ./ledgerx depend on it) ──────────────────────────────────────
#   devenv.sh start DIR [--export]
#       Ensures the packages, then starts (or reuses, if already running there) PostgreSQL and Redis with
#       their state in DIR (created if missing). Servers keep running after the command returns.
#       stdout: exactly these lines, nothing else (all logging goes to stderr):
#           LEDGERX_POSTGRES=Host=127.0.0.1;Port=N;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=100
#           LEDGERX_REDIS=127.0.0.1:N
#       Values are not quoted: split each line at the first '='. With --export the lines are instead
#       `export KEY='value'` for a shell to eval, and also set LEDGERX_TEST_POSTGRES/LEDGERX_TEST_REDIS:
#           eval "$(tools/devenv/devenv.sh start /tmp/ledgerx-env --export)"
#       Exit 0 on success, non-zero (reason on stderr) otherwise.
#   devenv.sh stop DIR [--purge]
#       Stops both servers (PostgreSQL with a fast shutdown); --purge also deletes DIR. Idempotent:
#       stopping what is not running succeeds.
#   devenv.sh env DIR [--export] prints the same lines as `start` if both servers in DIR are running (exit 1 if not).
#   devenv.sh start-mail DIR [--export]
#       Starts (or reuses) the local SMTP server (tools/devenv/smtp-maildir.py, Debian python3-aiosmtpd), which
#       stores every mail in the maildir DIR/mail, and the SMS/push provider sink (tools/devenv/provider-sink.py),
#       which logs every request to DIR/provider-sink.jsonl. stdout (--export: `export KEY='value'` lines, plus
#       the LEDGERX_TEST_* twins):
#           LEDGERX_SMTP=127.0.0.1:N
#           LEDGERX_MAILDIR=DIR/mail
#           LEDGERX_PROVIDER_SINK=http://127.0.0.1:N
#           LEDGERX_PROVIDER_SINK_LOG=DIR/provider-sink.jsonl
#       LEDGERX_SMTP_PORT / LEDGERX_PROVIDER_SINK_PORT name preferred ports. `stop DIR` stops them too.
#   devenv.sh ensure-packages  installs postgresql, redis-server, python3-aiosmtpd, npm, prometheus,
#                              prometheus-alertmanager and Go with the chart
#                              renderer's Go libraries (tools/chart-render) from Debian if missing (needs root).
#   LEDGERX_PG_WAL_ARCHIVE=/abs/dir turns WAL archiving on for the server started (archive_timeout
#   LEDGERX_PG_ARCHIVE_TIMEOUT, default 60s); `ledgerx up` archives to .ledgerx/wal-archive (docs/disaster-recovery.md).
#   Environment: LEDGERX_PG_FAST=1 trades durability for speed (fsync, synchronous_commit and
#   full_page_writes off) for the servers this command starts; the default keeps fsync on because
#   benchmarks run against the same setup. LEDGERX_POSTGRES_PORT / LEDGERX_REDIS_PORT name a preferred
#   port, used when free (otherwise a free one, with a warning on stderr).
#   Layout of DIR: pgdata/ (cluster, also the unix socket dir), postgres.port, postgres.log,
#   redis.port, redis.pid, redis.log; with start-mail also mail/ (maildir), smtp.{port,pid,log},
#   provider-sink.{port,pid,log} and provider-sink.jsonl. A later `start DIR` reuses the cluster and, if still free, the ports.
#   Launchers (tools/LocalDapr, ./ledgerx up) that are handed LEDGERX_POSTGRES/LEDGERX_REDIS in their
#   environment should use those servers instead of starting their own.
#
# ── Sourcing ───────────────────────────────────────────────────────────────────────────────────────────
#   `source tools/devenv/devenv.sh` defines ensure_packages, start_postgres DIR, start_redis DIR,
#   start_smtp DIR, start_provider_sink DIR, stop_servers DIR, stop_all DIR (stop + delete DIR, for traps)
#   without running anything; start_* export LEDGERX_POSTGRES / LEDGERX_REDIS / LEDGERX_SMTP + LEDGERX_MAILDIR /
#   LEDGERX_PROVIDER_SINK + LEDGERX_PROVIDER_SINK_LOG. Safe under `set -euo pipefail`.

# Superuser name inside the cluster: fixed so connection strings do not depend on which OS user ran initdb.
LEDGERX_PG_SUPERUSER=postgres
LEDGERX_PG_VERSION=15

devenv_log() { printf 'devenv: %s\n' "$*" >&2; }
devenv_die() { devenv_log "error: $*"; return 1; }

# ── Packages ──────────────────────────────────────────────────────────────────────────────────────────

# Prints the directory holding initdb/pg_ctl, or nothing. Prefers the version the project targets.
pg_bindir() {
    local dir
    for dir in "/usr/lib/postgresql/${LEDGERX_PG_VERSION}/bin" "$(pg_config --bindir 2>/dev/null || true)"; do
        if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            printf '%s\n' "$dir"
            return 0
        fi
    done
    # Any other installed major version still works for tests; take the newest.
    for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            printf '%s\n' "$dir"
            return 0
        fi
    done
}

# Always Debian's interpreter: the python3 on PATH may be pyenv's or a virtualenv's, without Debian's modules.
LEDGERX_SYSTEM_PYTHON=/usr/bin/python3
system_python_has() { [[ -x "$LEDGERX_SYSTEM_PYTHON" ]] && "$LEDGERX_SYSTEM_PYTHON" -c "import $1" 2>/dev/null; }

redis_server_bin() { command -v redis-server 2>/dev/null || { [[ -x /usr/bin/redis-server ]] && echo /usr/bin/redis-server; } || true; }

ensure_packages() {
    local missing=()
    [[ -n "$(pg_bindir)" ]] || missing+=(postgresql)
    [[ -n "$(redis_server_bin)" ]] || missing+=(redis-server)
    # The Pact engine (libpact_ffi) and CLI are pinned npm packages that the build restores with npm ci.
    command -v npm >/dev/null 2>&1 || missing+=(npm)
    # The local SMTP server (smtp-maildir.py). Debian's module lives in /usr/bin/python3's path only.
    system_python_has aiosmtpd || missing+=(python3-aiosmtpd)
    # Go and the Go sources of Helm's template libraries, for tools/chart-render (helm template without Helm),
    # which tests/Chart.Tests builds in GOPATH mode from /usr/share/gocode (no Go module downloads here).
    command -v go >/dev/null 2>&1 || missing+=(golang-go)
    [[ -d /usr/share/gocode/src/github.com/Masterminds/sprig ]] || missing+=(golang-github-masterminds-sprig-dev)
    [[ -d /usr/share/gocode/src/github.com/ghodss/yaml ]] || missing+=(golang-github-ghodss-yaml-dev)
    [[ -d /usr/share/gocode/src/gopkg.in/yaml.v3 ]] || missing+=(golang-gopkg-yaml.v3-dev)
    # promtool checks and unit-tests observability/ (tests/Observability.Tests); `up --observe` runs both servers.
    command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
    command -v amtool >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
    if ((${#missing[@]} == 0)); then
        return 0
    fi

    if [[ $(id -u) -ne 0 ]]; then
        devenv_die "missing ${missing[*]}; install as root: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
        return 1
    fi

    # Say what and why before apt-get's own download lines: Go alone is about 530 MB installed.
    devenv_log "installing from Debian, once per machine: ${missing[*]}"
    devenv_log "  postgresql, redis-server, python3-aiosmtpd: the servers; npm: restores the Pact engine; golang-*: builds the chart renderer for the chart's tests (Go is about 530 MB); prometheus, prometheus-alertmanager: checks observability/ and serves ./ledgerx up --observe"
    # Package scripts start the system services on default ports unless policy-rc.d forbids it; we only
    # want the binaries. Add a temporary policy if the machine has none (Docker images usually have one).
    local added_policy=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\n# added by ledgerx devenv.sh during apt-get install\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        added_policy=1
    fi
    local rc=0
    {
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -q >&2 &&
            DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q \
                --no-install-recommends "${missing[@]}" >&2
    } || rc=$?
    if ((added_policy)); then
        rm -f /usr/sbin/policy-rc.d
    fi
    if ((rc != 0)); then
        devenv_die "apt-get install ${missing[*]} failed (exit $rc)"
        return 1
    fi

    stop_system_services
    [[ -n "$(pg_bindir)" && -n "$(redis_server_bin)" ]] ||
        { devenv_die "installed ${missing[*]} but initdb or redis-server is still not found"; return 1; }
}

# Belt and braces for machines whose init system ignored policy-rc.d: a system PostgreSQL on 5432 or Redis
# on 6379 would not break us (we use other ports) but would waste memory and confuse whoever looks.
stop_system_services() {
    if command -v pg_lsclusters >/dev/null 2>&1; then
        local version cluster _port status
        while read -r version cluster _port status _rest; do
            if [[ "$status" == online* ]]; then
                devenv_log "stopping system PostgreSQL cluster $version/$cluster (we never use it)"
                pg_ctlcluster "$version" "$cluster" stop >&2 || true
            fi
        done < <(pg_lsclusters --no-header 2>/dev/null || true)
    fi
    local pidfile=/run/redis/redis-server.pid
    if [[ -s "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        devenv_log "stopping system redis-server (we never use it)"
        kill -TERM "$(cat "$pidfile")" 2>/dev/null || true
    fi
}

# ── Ports ─────────────────────────────────────────────────────────────────────────────────────────────

# True if PostgreSQL and Redis could listen on 127.0.0.1:PORT. Probed the way they bind: with SO_REUSEADDR, so that
# the TIME-WAIT connections a server leaves for about a minute after it stops do not count as "taken" (a plain bind
# fails on them, and a quick restart of `ledgerx up` would move off 5432/6379 for nothing), while a listener does.
port_is_free() {
    local port=$1
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$port" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket()
try:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
    else
        # No python: a refused connection means nobody listens there (TIME-WAIT sockets refuse too).
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 1; fi
    fi
}

# A free port outside the ephemeral range (32768+) so outgoing connections cannot take it meanwhile.
pick_free_port() {
    local attempt port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 10000))
        if port_is_free "$port"; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    devenv_die "no free port found in 20000-29999"
}

# In order: PREFERRED if given and free, the port remembered in FILE if still free, any free port.
# The choice is remembered in FILE for next time.
choose_port() {
    local file=$1 preferred=${2:-} port=""
    if [[ "$preferred" =~ ^[0-9]+$ ]] && port_is_free "$preferred"; then
        port=$preferred
    else
        if [[ -n "$preferred" ]]; then
            devenv_log "preferred port $preferred is taken; using another"
        fi
        [[ -s "$file" ]] && port=$(<"$file")
        if [[ ! "$port" =~ ^[0-9]+$ ]] || ! port_is_free "$port"; then
            port=$(pick_free_port) || return 1
        fi
    fi
    printf '%s\n' "$port" >"$file"
    printf '%s\n' "$port"
}

# ── PostgreSQL ────────────────────────────────────────────────────────────────────────────────────────

# PostgreSQL refuses to run as root, so root runs it as the `postgres` user the package creates (or a
# dedicated `ledgerx` system user if there is none). Anyone else runs it as themselves.
pg_os_user() {
    if [[ $(id -u) -ne 0 ]]; then
        id -un
    elif id postgres >/dev/null 2>&1; then
        echo postgres
    else
        id ledgerx >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin ledgerx
        echo ledgerx
    fi
}

# Runs a PostgreSQL server binary as the server's OS user, from / so it never trips over root's cwd.
as_pg_user() {
    local user
    user=$(pg_os_user)
    if [[ $(id -u) -eq 0 ]]; then
        (cd / && runuser -u "$user" -- "$@")
    else
        (cd / && "$@")
    fi
}

postgres_connection_string() {
    printf 'Host=127.0.0.1;Port=%s;Username=%s;Database=postgres;Pooling=true;Maximum Pool Size=100\n' \
        "$1" "$LEDGERX_PG_SUPERUSER"
}

postgres_running() {
    local bindir=$1 dir=$2
    [[ -f "$dir/pgdata/postmaster.pid" ]] && as_pg_user "$bindir/pg_ctl" status -D "$dir/pgdata" >/dev/null 2>&1
}

init_postgres_cluster() {
    local bindir=$1 dir=$2 user=$3
    devenv_log "initdb $dir/pgdata"
    install -d -m 700 -o "$user" "$dir/pgdata"
    as_pg_user "$bindir/initdb" -D "$dir/pgdata" --username="$LEDGERX_PG_SUPERUSER" --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; devenv_die "initdb failed"; return 1; }
    # Loopback only; trust is fine because nothing outside this machine can reach it. The unix socket
    # lives in the data dir so two clusters never fight over /var/run/postgresql.
    cat >>"$dir/pgdata/postgresql.conf" <<EOF

# ── ledgerx devenv ──
listen_addresses = '127.0.0.1'
unix_socket_directories = '$(socket_dir_for "$dir")'
max_connections = 300
shared_buffers = 256MB
log_min_messages = warning
log_line_prefix = '%m [%p] %d '
EOF
}

# Unix socket paths are limited to 107 bytes; a deep DIR gets TCP only (all our clients use TCP anyway).
socket_dir_for() {
    local dir=$1
    if ((${#dir} + 25 < 100)); then printf '%s\n' "$dir/pgdata"; else printf '\n'; fi
}

start_postgres() {
    local dir=${1:?usage: start_postgres DIR}
    local bindir user port attempt
    bindir=$(pg_bindir)
    [[ -n "$bindir" ]] || { devenv_die "PostgreSQL is not installed (run ensure_packages)"; return 1; }
    user=$(pg_os_user)
    prepare_dir "$dir" "$user" || return 1

    if postgres_running "$bindir" "$dir"; then
        port=$(<"$dir/postgres.port")
        devenv_log "PostgreSQL already running in $dir on port $port"
    else
        [[ -f "$dir/pgdata/PG_VERSION" ]] || init_postgres_cluster "$bindir" "$dir" "$user" || return 1
        local options=()
        if [[ "${LEDGERX_PG_FAST:-0}" == 1 ]]; then
            options+=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)
        fi
        local archive_options=()
        if [[ -n "${LEDGERX_PG_WAL_ARCHIVE:-}" ]]; then
            wal_archive_options "$LEDGERX_PG_WAL_ARCHIVE" "$user" archive_options || return 1
        fi
        # Another run may grab the port between our probe and the server's bind; retry with a new one.
        for attempt in 1 2 3; do
            port=$(choose_port "$dir/postgres.port" "${LEDGERX_POSTGRES_PORT:-}") || return 1
            touch "$dir/postgres.log"
            chown "$user" "$dir/postgres.log"
            if as_pg_user "$bindir/pg_ctl" start -D "$dir/pgdata" -w -t 60 -l "$dir/postgres.log" \
                -o "-p $port ${options[*]} ${archive_options[*]}" >/dev/null 2>&1; then
                break
            fi
            if ((attempt == 3)) || ! grep -q 'could not bind\|Address already in use' "$dir/postgres.log"; then
                cat "$dir/postgres.log" >&2
                devenv_die "PostgreSQL failed to start in $dir (log above)"
                return 1
            fi
            rm -f "$dir/postgres.port"
        done
        devenv_log "PostgreSQL $(basename "$(dirname "$bindir")") started in $dir on 127.0.0.1:$port${options:+ (fast, not durable)}"
        [[ -z "${LEDGERX_PG_WAL_ARCHIVE:-}" ]] || devenv_log "  archiving WAL to $LEDGERX_PG_WAL_ARCHIVE (docs/disaster-recovery.md)"
    fi
    LEDGERX_POSTGRES=$(postgres_connection_string "$port")
    export LEDGERX_POSTGRES
}

# wal_archive_options ARCHIVE USER ARRAY: the server options that copy every finished WAL segment into ARCHIVE (created,
# owned by USER), the continuous half of point-in-time recovery (`ledgerx backup` takes the base backups, `ledgerx
# restore` replays this archive; docs/disaster-recovery.md). Command-line options rather than postgresql.conf so that a
# cluster restored from a base backup archives wherever its own start says. The copy lands under a temporary name and is
# renamed, so a restore never reads half a segment; an existing segment is never overwritten (PostgreSQL's rule).
# archive_timeout bounds the data a lost server takes with it (the RPO) when writes are too few to fill a segment.
wal_archive_options() {
    local archive=$1 user=$2
    local -n into=$3
    [[ "$archive" == /* && "$archive" != *[[:space:]\'\"]* ]] ||
        { devenv_die "LEDGERX_PG_WAL_ARCHIVE must be an absolute path without spaces or quotes: $archive"; return 1; }
    install -d -m 700 -o "$user" "$archive"
    into=(-c archive_mode=on -c "archive_timeout=${LEDGERX_PG_ARCHIVE_TIMEOUT:-60s}"
        -c "\"archive_command=test ! -f $archive/%f && cp %p $archive/%f.part && mv $archive/%f.part $archive/%f\"")
}

# The directory must exist and be traversable by the server's OS user (mktemp makes 0700 root dirs).
prepare_dir() {
    local dir=$1 user=$2
    mkdir -p "$dir"
    if [[ $(id -u) -eq 0 && "$user" != root ]]; then
        chmod o+x "$dir"
        if ! runuser -u "$user" -- test -x "$dir"; then
            devenv_die "user '$user' (which runs PostgreSQL; it refuses to run as root) cannot reach $dir: a parent directory is not traversable. Use a DIR under /tmp or run: chmod o+x on its parents"
            return 1
        fi
    fi
}

stop_postgres() {
    local dir=$1 bindir
    bindir=$(pg_bindir)
    [[ -n "$bindir" && -f "$dir/pgdata/postmaster.pid" ]] || return 0
    if ! as_pg_user "$bindir/pg_ctl" stop -D "$dir/pgdata" -m fast -w -t 60 >/dev/null 2>&1; then
        # Not running (stale pid file) or wedged: make sure no postmaster survives us.
        local pid
        pid=$(head -1 "$dir/pgdata/postmaster.pid" 2>/dev/null || true)
        if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
            devenv_log "PostgreSQL in $dir did not stop in time; killing $pid"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
}

# ── Redis ─────────────────────────────────────────────────────────────────────────────────────────────

redis_pid() {
    local dir=$1 pid
    [[ -s "$dir/redis.pid" ]] || return 1
    pid=$(<"$dir/redis.pid")
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && printf '%s\n' "$pid"
}

# Redis accepts connections a moment after daemonizing; PING over plain TCP tells when.
redis_answers() {
    local port=$1 reply
    # In a subshell: a failed `exec` redirection must not end the calling shell.
    reply=$( (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'PING\r\n' >&3 && IFS= read -r -t 2 line <&3 &&
        printf '%s' "$line") 2>/dev/null) || true
    [[ "$reply" == +PONG* ]]
}

start_redis() {
    local dir=${1:?usage: start_redis DIR}
    local bin port attempt
    bin=$(redis_server_bin)
    [[ -n "$bin" ]] || { devenv_die "redis-server is not installed (run ensure_packages)"; return 1; }
    mkdir -p "$dir"

    if redis_pid "$dir" >/dev/null && redis_answers "$(<"$dir/redis.port")"; then
        port=$(<"$dir/redis.port")
        devenv_log "Redis already running in $dir on port $port"
    else
        for attempt in 1 2 3; do
            port=$(choose_port "$dir/redis.port" "${LEDGERX_REDIS_PORT:-}") || return 1
            rm -f "$dir/redis.pid"
            # The local pub/sub broker carries the ledger's events, so it keeps what it acknowledged, as Kafka does in
            # the chart (requiredAcks: all): every write is in the append-only file before Redis answers. Without it,
            # a Redis restart lost every event published but not yet delivered (the chaos run's redis-restart found
            # 33 of them under load). No RDB snapshots; loopback only.
            "$bin" --port "$port" --bind 127.0.0.1 --save '' --appendonly yes --appendfsync always --daemonize yes \
                --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >&2 || true
            for _ in $(seq 1 100); do
                redis_answers "$port" && break
                sleep 0.1
            done
            redis_answers "$port" && break
            if ((attempt == 3)); then
                tail -20 "$dir/redis.log" >&2 2>/dev/null || true
                devenv_die "Redis failed to start in $dir (log above)"
                return 1
            fi
            stop_redis "$dir"
            rm -f "$dir/redis.port"
        done
        devenv_log "Redis started in $dir on 127.0.0.1:$port"
    fi
    LEDGERX_REDIS="127.0.0.1:$port"
    export LEDGERX_REDIS
}

stop_redis() {
    local dir=$1 pid
    pid=$(redis_pid "$dir") || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    devenv_log "Redis in $dir did not stop in time; killing $pid"
    kill -KILL "$pid" 2>/dev/null || true
}

# ── Mail: SMTP server and provider sink (tools/devenv/mail-servers.sh) ────────────────────────────────

DEVENV_SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/devenv/mail-servers.sh
source "$DEVENV_SCRIPTS_DIR/mail-servers.sh"
# shellcheck source=tools/devenv/observe-servers.sh
source "$DEVENV_SCRIPTS_DIR/observe-servers.sh"

# ── Both ──────────────────────────────────────────────────────────────────────────────────────────────

stop_servers() {
    local dir=${1:?usage: stop_servers DIR}
    [[ -d "$dir" ]] || return 0
    stop_postgres "$dir" || true
    stop_redis "$dir" || true
    stop_mail_servers "$dir" || true
    stop_observe_servers "$dir" || true
}

# For traps: stop everything and delete DIR. Never fails, so it cannot mask the exit code being reported.
stop_all() {
    local dir=${1:-}
    [[ -n "$dir" && -d "$dir" ]] || return 0
    stop_servers "$dir"
    rm -rf -- "$dir" || true
}

print_env() {
    local format=$1
    if [[ "$format" == export ]]; then
        local q_pg q_redis
        q_pg=$(printf '%s' "$LEDGERX_POSTGRES" | sed "s/'/'\\\\''/g")
        q_redis=$(printf '%s' "$LEDGERX_REDIS" | sed "s/'/'\\\\''/g")
        printf "export LEDGERX_POSTGRES='%s'\nexport LEDGERX_REDIS='%s'\n" "$q_pg" "$q_redis"
        printf "export LEDGERX_TEST_POSTGRES='%s'\nexport LEDGERX_TEST_REDIS='%s'\n" "$q_pg" "$q_redis"
    else
        printf 'LEDGERX_POSTGRES=%s\nLEDGERX_REDIS=%s\n' "$LEDGERX_POSTGRES" "$LEDGERX_REDIS"
    fi
}

devenv_usage() {
    sed -n '2,/^# ── Sourcing/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
}

devenv_main() {
    set -euo pipefail
    local command=${1:-help}
    shift || true
    case "$command" in
        start)
            local dir=${1:?usage: devenv.sh start DIR [--export]} format="plain"
            if [[ "${2:-}" == --export ]]; then format="export"; fi
            ensure_packages
            start_postgres "$dir"
            start_redis "$dir"
            print_env "$format"
            ;;
        stop)
            local dir=${1:?usage: devenv.sh stop DIR [--purge]}
            if [[ "${2:-}" == --purge ]]; then stop_all "$dir"; else stop_servers "$dir"; fi
            ;;
        env)
            local dir=${1:?usage: devenv.sh env DIR [--export]} format="plain" bindir
            if [[ "${2:-}" == --export ]]; then format="export"; fi
            bindir=$(pg_bindir)
            if [[ -z "$bindir" ]] || ! postgres_running "$bindir" "$dir" || ! redis_pid "$dir" >/dev/null; then
                devenv_log "servers in $dir are not running"
                return 1
            fi
            LEDGERX_POSTGRES=$(postgres_connection_string "$(<"$dir/postgres.port")")
            LEDGERX_REDIS="127.0.0.1:$(<"$dir/redis.port")"
            print_env "$format"
            ;;
        start-mail)
            local dir=${1:?usage: devenv.sh start-mail DIR [--export]} format="plain"
            if [[ "${2:-}" == --export ]]; then format="export"; fi
            ensure_packages
            start_smtp "$dir"
            start_provider_sink "$dir"
            print_mail_env "$format"
            ;;
        ensure-packages) ensure_packages ;;
        help | -h | --help) devenv_usage ;;
        *) devenv_usage; devenv_die "unknown command: $command"; return 2 ;;
    esac
}

# Run only when executed, not when sourced.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    devenv_main "$@"
fi
