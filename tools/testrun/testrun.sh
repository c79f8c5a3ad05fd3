# shellcheck shell=bash
# How `./ledgerx test` runs test modules and counts their results (sourced by ./ledgerx; it defines functions only).
#
# Lanes. `dotnet test --solution` starts its test modules in no particular order, two at a time: in CI the two longest
# (EndToEnd, Chaos) started last, and the run ended with one core idle for minutes. So the modules run in lanes
# instead: one queue of test projects, slowest first, and LANES workers that each take the head of the queue whenever
# their last project ends (longest processing time first). The long modules start at once and the short ones fill the
# gaps at the end. Each project is one `dotnet test --project` run with its output in a file of its own, printed whole
# when it ends (two lanes' lines interleaved would be unreadable).
#
# Needs from the caller: REPO_ROOT, SOLUTION, CONFIGURATION, log, die; TEST_PASSED/FAILED/SKIPPED to add to.

TEST_LANES_DIR=
TEST_LANE_PIDS=()

# ── Results ──

# Reads dotnet test's own closing summary (added up over all test modules) from its log and prints
# "PASSED FAILED SKIPPED ERRORS". ERRORS counts modules that failed outside any test (crash, timeout,
# bad exit code): they have no failed test to show for it. Prints nothing if there is no summary.
parse_test_summary() {
    sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' "$1" | awk '
        /^Test run summary:/ { seen = 1; total = succeeded = failed = skipped = errors = 0 }
        seen && $1 == "succeeded:" { succeeded = $2 }
        seen && $1 == "failed:"    { failed = $2 }
        seen && $1 == "skipped:"   { skipped = $2 }
        seen && $1 == "error:"     { errors = $2 }
        END { if (seen) print succeeded + 0, failed + 0, skipped + 0, errors + 0 }'
}

# failed_tests LOG: each failed test of one dotnet test log, its "failed NAME (duration)" line and the first ten lines of
# its message (up to the stack trace). The run's closing lines name them: CI shows a run's tail, and a count alone sends
# the reader searching minutes of interleaved output for the one test that failed.
failed_tests() {
    sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' "$1" | awk '
        /^[[:space:]]*failed [^:]/ { shown = 0; showing = 1; sub(/^[[:space:]]+/, ""); print "  " $0; next }
        showing && /Stack Trace:|^[[:space:]]+at |^Test run summary:/ { showing = 0 }
        showing && /^[[:space:]]*$|^[[:space:]]*from .*\.dll/ { next }
        showing && shown < 10 { sub(/^[[:space:]]+/, ""); print "      " $0; shown++ }'
}

record_failure() {
    log "$*"
    TEST_FAILED=$((TEST_FAILED + 1))
}

# add_test_results NAME LOG EXIT-CODE: the results of one `dotnet test` run added to the totals, and, for the caller,
# in LAST_TEST_RESULTS ("N passed, N failed, N skipped").
add_test_results() {
    local name=$1 log_file=$2 rc=$3 summary passed=0 failed=0 skipped=0 errors=0
    if ((rc == 124)); then
        log "tests ($name) did not finish within ${LEDGERX_TEST_TIMEOUT:-75m} of the run's start; stopped them (a hung test?)"
    fi
    summary=$(parse_test_summary "$log_file")
    [[ -n "$summary" ]] && read -r passed failed skipped errors <<<"$summary"
    failed=$((failed + errors))
    if ((rc != 0 && failed == 0)); then
        # dotnet test failed before or without reporting (bad option, runner crash): never report green.
        failed=1
        log "tests ($name): dotnet test failed without a failed test in its summary; counted as 1 failure"
    fi
    TEST_PASSED=$((TEST_PASSED + passed))
    TEST_FAILED=$((TEST_FAILED + failed))
    TEST_SKIPPED=$((TEST_SKIPPED + skipped))
    LAST_TEST_RESULTS="$passed passed, $failed failed, $skipped skipped"
}

# ── The run's deadline ──

# "40m" (or s, h; a bare number is seconds, as for timeout(1)) in seconds.
duration_seconds() {
    [[ "$1" =~ ^([0-9]+)([smh]?)$ ]] || die "not a duration: '$1' (e.g. 40m, 90s, 1h)"
    case "${BASH_REMATCH[2]}" in
        m) echo $((BASH_REMATCH[1] * 60)) ;;
        h) echo $((BASH_REMATCH[1] * 3600)) ;;
        *) echo "${BASH_REMATCH[1]}" ;;
    esac
}

# test_guard COMMAND...: COMMAND, stopped (exit code 124) at the run's deadline, if it has one.
test_guard() {
    if [[ -z "${TEST_DEADLINE:-}" ]]; then
        "$@"
        return
    fi
    local left=$((TEST_DEADLINE - $(date +%s)))
    timeout -k 30s "$((left > 1 ? left : 1))s" "$@"
}

test_deadline_passed() { [[ -n "${TEST_DEADLINE:-}" ]] && (($(date +%s) >= TEST_DEADLINE)); }

# ── Lanes ──

# The slowest test projects, slowest first: what a lane takes first. A project not named here comes after them, in
# solution order. Module times of the CI run on 2026-12-07 (2 cores, two modules at a time): EndToEnd 6m20s, Chaos
# 4m17s, Transactions.IntegrationTests ~4m, LocalDapr 1m21s, Auth.IntegrationTests 1m18s, the rest under a minute;
# the order of the last few matters little, as long as all of them beat the many short ones.
readonly SLOWEST_TEST_PROJECTS=(
    LedgerX.EndToEnd.Tests
    LedgerX.Chaos.Tests
    LedgerX.Transactions.IntegrationTests
    LedgerX.LocalDapr.Tests
    LedgerX.Auth.IntegrationTests
    LedgerX.Gateway.IntegrationTests
    LedgerX.Cli.Tests
    LedgerX.Notifications.IntegrationTests
    LedgerX.LocalDapr.Conformance.Tests
)

# The solution's test projects, absolute paths in solution order: every project whose name ends in Tests, the rule by
# which Directory.Build.props makes a project a test project.
solution_test_projects() {
    sed -n -E 's/^Project\("[^"]*"\) = "[^"]*", "([^"]*Tests\.csproj)".*/\1/p' "$SOLUTION" | tr '\\' '/' |
        while IFS= read -r path; do printf '%s/%s\n' "$REPO_ROOT" "$path"; done
}

# A test project that the solution does not list is neither built nor run: the run says so instead of passing without
# it. Only tracked files count (a project being written, not yet added, is nobody's failure).
check_test_projects_in_solution() {
    git -C "$REPO_ROOT" rev-parse --git-dir >/dev/null 2>&1 || return 0
    local listed path missing=()
    listed=$(solution_test_projects)
    while IFS= read -r path; do
        grep -qxF -- "$REPO_ROOT/$path" <<<"$listed" || missing+=("$path")
    done < <(git -C "$REPO_ROOT" ls-files -- '*Tests.csproj')
    if ((${#missing[@]} > 0)); then
        record_failure "test projects missing from $(basename "$SOLUTION") (never built, never run): ${missing[*]}"
    fi
}

# slowest_first PROJECT...: the projects named in SLOWEST_TEST_PROJECTS first, in its order, then the others as given.
# No process per project (it sorts the queue under its lock while lanes wait): names by parameter expansion.
slowest_first() {
    local slow project file
    for slow in "${SLOWEST_TEST_PROJECTS[@]}"; do
        for project in "$@"; do
            file=${project##*/}
            if [[ "${file%.csproj}" == "$slow" ]]; then printf '%s\n' "$project"; fi
        done
    done
    for project in "$@"; do
        file=${project##*/}
        if [[ " ${SLOWEST_TEST_PROJECTS[*]} " != *" ${file%.csproj} "* ]]; then printf '%s\n' "$project"; fi
    done
}

# ── The queue: a file of project paths, one a line, slowest first; changed only under its lock ──

# init_test_lanes DIR PROJECT...: a fresh queue of the projects in DIR, where the lanes also keep their logs and results.
init_test_lanes() {
    TEST_LANES_DIR=$1
    shift
    TEST_LANE_PIDS=()
    mkdir -p "$TEST_LANES_DIR"
    slowest_first "$@" >"$TEST_LANES_DIR/queue"
}

# add_to_test_queue PROJECT: queues one more project in its place (the provider tests, once the pacts are written).
add_to_test_queue() {
    (
        flock 8
        local queued
        mapfile -t queued <"$TEST_LANES_DIR/queue"
        slowest_first "${queued[@]}" "$1" >"$TEST_LANES_DIR/queue.new"
        mv "$TEST_LANES_DIR/queue.new" "$TEST_LANES_DIR/queue"
    ) 8>"$TEST_LANES_DIR/queue.lock"
}

# Prints the head of the queue and removes it; fails when the queue is empty.
take_from_test_queue() {
    (
        flock 8
        local next
        next=$(head -n 1 "$TEST_LANES_DIR/queue")
        [[ -n "$next" ]] || exit 1
        sed -i 1d "$TEST_LANES_DIR/queue"
        printf '%s\n' "$next"
    ) 8>"$TEST_LANES_DIR/queue.lock"
}

# start_test_lanes FIRST LAST [TEST-OPTIONS...]: starts lanes FIRST..LAST in the background.
start_test_lanes() {
    local first=$1 last=$2 lane
    shift 2
    for ((lane = first; lane <= last; lane++)); do
        run_test_lane "$lane" "$@" &
        TEST_LANE_PIDS+=($!)
    done
}

# run_test_lane N [TEST-OPTIONS...]: runs projects from the queue until it is empty, the run is being stopped or its
# deadline has passed (what is left counts as never run).
run_test_lane() {
    local lane=$1 project
    shift
    while [[ ! -e "$TEST_LANES_DIR/stop" ]] && ! test_deadline_passed && project=$(take_from_test_queue); do
        run_test_module "$lane" "$project" "$@"
    done
}

# run_test_module LANE PROJECT [TEST-OPTIONS...]: one `dotnet test` of one project. Leaves NAME.log (its output) and
# NAME.result ("EXIT-CODE STARTED ENDED LANE", times in epoch seconds) in the lanes' directory.
run_test_module() {
    local lane=$1 project=$2 name rc=0 started ended
    shift 2
    name=$(basename "$project" .csproj)
    started=$(date +%s)
    log "lane $lane: $name started"
    # --ignore-exit-code 8: a module with zero tests (say, all filtered out) is not a failure by itself; the caller
    # still fails a run in which nothing ran at all.
    test_guard dotnet test --project "$project" -c "$CONFIGURATION" --no-build --no-restore --ignore-exit-code 8 "$@" \
        >"$TEST_LANES_DIR/$name.log" 2>&1 </dev/null || rc=$?
    ended=$(date +%s)
    printf '%s %s %s %s\n' "$rc" "$started" "$ended" "$lane" >"$TEST_LANES_DIR/$name.result"
    (
        flock 8
        cat "$TEST_LANES_DIR/$name.log"
        log "lane $lane: $name finished in $((ended - started))s (dotnet test exit code $rc)"
    ) 8>"$TEST_LANES_DIR/output.lock"
}

# Waits for every lane to finish its queue.
wait_test_lanes() {
    local pid
    for pid in "${TEST_LANE_PIDS[@]}"; do
        wait "$pid" || true
    done
    TEST_LANE_PIDS=()
}

# stop_test_lanes [GRACE-SECONDS]: no lane takes another project; lanes still running get GRACE seconds to end on their
# own (after Ctrl-C, which reached their `dotnet test` too and lets the tests stop their servers), then their process
# trees are terminated. For the traps: a lane must never outlive the run, nor run against servers being stopped.
stop_test_lanes() {
    local grace=${1:-0} pid waited=0
    [[ -n "$TEST_LANES_DIR" && ${#TEST_LANE_PIDS[@]} -gt 0 ]] || return 0
    touch "$TEST_LANES_DIR/stop"
    while ((waited < grace)) && lanes_running; do
        sleep 1
        waited=$((waited + 1))
    done
    for pid in "${TEST_LANE_PIDS[@]}"; do
        kill_process_tree "$pid"
    done
    TEST_LANE_PIDS=()
}

lanes_running() {
    local pid
    for pid in "${TEST_LANE_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then return 0; fi
    done
    return 1
}

# The children first, so that none is left behind with no parent to find it by.
kill_process_tree() {
    local child
    for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        kill_process_tree "$child"
    done
    kill "$1" 2>/dev/null || true
}

# collect_test_lane_results PROJECT...: adds each project's results to the totals, one line each (when, where, how long,
# what), in the order they started. A project with no result never ran: a failure.
collect_test_lane_results() {
    local project name rc started ended lane first=
    local -a rows=()
    for project in "$@"; do
        name=$(basename "$project" .csproj)
        if [[ ! -f "$TEST_LANES_DIR/$name.result" ]]; then
            record_failure "$name never ran$(test_deadline_passed && echo " (the run's deadline had passed)")"
            continue
        fi
        read -r rc started ended lane <"$TEST_LANES_DIR/$name.result"
        add_test_results "$name" "$TEST_LANES_DIR/$name.log" "$rc"
        rows+=("$started $ended $lane $name $LAST_TEST_RESULTS")
        if [[ -z "$first" || "$started" -lt "$first" ]]; then first=$started; fi
    done
    ((${#rows[@]} > 0)) || return 0
    log "test modules by start (seconds from the first start):"
    printf '%s\n' "${rows[@]}" | sort -k1,1n -k2,2n | while read -r started ended lane name results; do
        log "$(printf '  lane %s  %4ss-%4ss  %4ss  %-42s %s' "$lane" "$((started - first))" "$((ended - first))" \
            "$((ended - started))" "$name" "$results")"
    done
    local failed
    for project in "$@"; do
        name=$(basename "$project" .csproj)
        [[ -f "$TEST_LANES_DIR/$name.log" ]] || continue
        failed=$(failed_tests "$TEST_LANES_DIR/$name.log")
        [[ -z "$failed" ]] || log "failed in $name:"$'\n'"$failed"
    done
}
