#!/usr/bin/env bash
# pact-broker.sh: the Pact Broker steps of CI, around the pinned Pact CLI (tools/contracts/package.json).
#
#   tools/contracts/pact-broker.sh publish
#   tools/contracts/pact-broker.sh can-i-deploy [PACTICIPANT...]
#   tools/contracts/pact-broker.sh record-deployment PACTICIPANT ENVIRONMENT
#   tools/contracts/pact-broker.sh version
#
# `./ledgerx test` calls publish (after the consumer tests wrote contracts/pacts/) and can-i-deploy (after the
# providers verified from the broker) whenever PACT_BROKER_BASE_URL is set; docs/contracts.md has the whole flow.
set -euo pipefail

CONTRACTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$CONTRACTS_DIR/../.." && pwd)
readonly CONTRACTS_DIR REPO_ROOT
readonly PACT_DIR="${PACT_DIR:-$REPO_ROOT/contracts/pacts}"

# The Pact libraries report usage to the Pact Foundation unless told not to; CI must never phone home.
export PACT_DO_NOT_TRACK=true

log() { printf 'pact-broker: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }

usage() {
    cat <<'EOF'
usage: tools/contracts/pact-broker.sh <command> [args...]

  publish                       Publish every pact in contracts/pacts/ as consumer version $GIT_COMMIT on
                                branch $GIT_BRANCH (with $BUILD_URL when set).
  can-i-deploy [PACTICIPANT...] Ask the broker whether version $GIT_COMMIT of each pacticipant (default: every
                                consumer and provider named in contracts/pacts/) can be deployed to
                                $PACT_DEPLOY_ENVIRONMENT (default: production). Non-zero exit when any cannot.
  record-deployment PACTICIPANT ENVIRONMENT
                                Tell the broker version $GIT_COMMIT of PACTICIPANT is now in ENVIRONMENT (run it
                                from the deploy pipeline after a successful deploy).
  version                       Print the version and branch the other commands use.

Environment:
  PACT_BROKER_BASE_URL          the broker (required by every command but version)
  PACT_BROKER_TOKEN             bearer token, or PACT_BROKER_USERNAME + PACT_BROKER_PASSWORD
  GIT_COMMIT, GIT_BRANCH        default: `git rev-parse HEAD` and the CI's branch variable or the checked-out branch
  PACT_CAN_I_DEPLOY_RETRIES     how often can-i-deploy asks again while results are unknown (default 6, 10 s apart)
  PACT_CLI                      a pact executable to use instead of the pinned one
EOF
}

# The pacticipant version is the git commit, everywhere: consumer pacts, provider verification results
# (tests/Contracts.ProviderTests reads the same two variables) and can-i-deploy must all name the same thing.
git_commit() {
    if [[ -n "${GIT_COMMIT:-}" ]]; then
        printf '%s\n' "$GIT_COMMIT"
    else
        git -C "$REPO_ROOT" rev-parse HEAD
    fi
}

# CI checkouts are usually a detached HEAD, so the CI's own branch variable comes first.
git_branch() {
    local branch="${GIT_BRANCH:-${GITHUB_HEAD_REF:-${GITHUB_REF_NAME:-${CI_COMMIT_REF_NAME:-${BRANCH_NAME:-}}}}}"
    if [[ -z "$branch" ]]; then
        branch=$(git -C "$REPO_ROOT" rev-parse --abbrev-ref HEAD)
    fi
    [[ "$branch" != HEAD ]] || die "cannot tell the branch of a detached HEAD: set GIT_BRANCH"
    printf '%s\n' "$branch"
}

readonly PACT_CLI_PATH="$CONTRACTS_DIR/node_modules/@pact-foundation/pact-cli-linux-x64/standalone/pact"

pact_cli_restored() {
    [[ -x "$PACT_CLI_PATH" && ! "$CONTRACTS_DIR/package-lock.json" -nt "$CONTRACTS_DIR/node_modules/.package-lock.json" ]]
}

# The pinned CLI, restored by npm ci when its lock file is newer than the last restore. Several runs may start at once
# (test projects run side by side): they take turns on a lock, and the ones that waited find it restored.
pact_cli() {
    if [[ -n "${PACT_CLI:-}" ]]; then
        printf '%s\n' "$PACT_CLI"
        return
    fi
    if ! pact_cli_restored; then
        command -v npm >/dev/null 2>&1 || die "npm is needed to restore the Pact CLI (Debian package npm)"
        exec 9>"$CONTRACTS_DIR/.restore.lock"
        flock 9
        if ! pact_cli_restored; then
            log "restoring the Pact CLI (npm ci)"
            npm ci --prefix "$CONTRACTS_DIR" --ignore-scripts --no-audit --no-fund --loglevel=error >&2
        fi
        flock -u 9
        exec 9>&-
    fi
    printf '%s\n' "$PACT_CLI_PATH"
}

require_broker() {
    [[ -n "${PACT_BROKER_BASE_URL:-}" ]] || die "PACT_BROKER_BASE_URL is not set"
    if [[ -z "${PACT_BROKER_TOKEN:-}" && -z "${PACT_BROKER_USERNAME:-}" ]]; then
        log "warning: neither PACT_BROKER_TOKEN nor PACT_BROKER_USERNAME is set; calling the broker unauthenticated"
    fi
}

pact_files() {
    compgen -G "$PACT_DIR/*.json" || die "no pact files in $PACT_DIR: run the consumer tests first"
}

# Every consumer and provider named in the pact files, once each.
pacticipants() {
    local files
    pact_files >/dev/null
    mapfile -t files < <(pact_files)
    node -e '
        const names = new Set();
        for (const file of process.argv.slice(1)) {
            const pact = JSON.parse(require("fs").readFileSync(file, "utf8"));
            names.add(pact.consumer.name);
            names.add(pact.provider.name);
        }
        console.log([...names].sort().join("\n"));' "${files[@]}"
}

cmd_publish() {
    require_broker
    local version branch cli
    version=$(git_commit)
    branch=$(git_branch)
    cli=$(pact_cli)
    pact_files >/dev/null
    local args=(broker publish "$PACT_DIR" --consumer-app-version "$version" --branch "$branch")
    [[ -z "${BUILD_URL:-}" ]] || args+=(--build-url "$BUILD_URL")
    log "publishing $PACT_DIR as version $version on branch $branch"
    "$cli" "${args[@]}"
}

cmd_can_i_deploy() {
    require_broker
    local version cli environment="${PACT_DEPLOY_ENVIRONMENT:-production}" names=("$@")
    version=$(git_commit)
    cli=$(pact_cli)
    if ((${#names[@]} == 0)); then
        mapfile -t names < <(pacticipants)
    fi
    local failed=0 name
    for name in "${names[@]}"; do
        log "can $name $version be deployed to $environment?"
        if ! "$cli" broker can-i-deploy --pacticipant "$name" --version "$version" --to-environment "$environment" \
            --retry-while-unknown "${PACT_CAN_I_DEPLOY_RETRIES:-6}" --retry-interval 10; then
            log "$name $version cannot be deployed to $environment"
            failed=1
        fi
    done
    return "$failed"
}

cmd_record_deployment() {
    (($# == 2)) || die "usage: record-deployment PACTICIPANT ENVIRONMENT"
    require_broker
    local version cli
    version=$(git_commit)
    cli=$(pact_cli)
    log "recording $1 $version as deployed to $2"
    "$cli" broker record-deployment --pacticipant "$1" --version "$version" --environment "$2"
}

main() {
    local command="${1:-help}"
    (($# == 0)) || shift
    case "$command" in
        publish) cmd_publish "$@" ;;
        can-i-deploy) cmd_can_i_deploy "$@" ;;
        record-deployment) cmd_record_deployment "$@" ;;
        version) printf 'version %s\nbranch %s\n' "$(git_commit)" "$(git_branch)" ;;
        help | -h | --help) usage ;;
        *) usage >&2; die "unknown command '$command'" ;;
    esac
}

main "$@"
