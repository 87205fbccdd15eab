#!/usr/bin/env bash
# Issue 6 IMAP measures. Needs a PostgreSQL cluster in HOSTEDMAIL_TEST_PG and dovecot-imapd installed.
#   bench/imap/run.sh idle  [SESSIONS] [MAILBOXES] [DELIVERIES]     default 10000 1000 200
#   bench/imap/run.sh mixed [MESSAGES_PER_USER] [SECONDS] [ROUNDS]  default 1000 60 2 (CONNECTIONS=10 over 10 users of MAILBOXES=1000;
#       WARMUP=20 seconds of unmeasured warm-up per server first)
#       DURABLE_FLAGS=false: the node's Imap:DurableFlagChanges off (STORE commits without waiting for
#       the WAL flush, as Dovecot's default mail_fsync = optimized does not fsync flag changes)
#   bench/imap/run.sh realistic [MESSAGES_PER_USER] [SECONDS] [ROUNDS]  default 200 60 2 (root; USERS=100; WARMUP=20)
#       client-shaped sessions (LOGIN LIST STATUS SELECT FETCH STORE APPEND EXPUNGE LOGOUT in cycles over
#       USERS users) against a real `hostedmail serve` node (Release, HEAD, own PostgreSQL) and Dovecot,
#       alternating, in one run; no HOSTEDMAIL_TEST_PG needed.
#   bench/imap/run.sh imaplib [MESSAGES_PER_USER] [SECONDS] [ROUNDS]  default 200 60 2 (root; USERS=100; PROCS=6; WARMUP=20)
#       the same setup with a real client: PROCS Python imaplib processes in cycles of CONNECT LOGIN LIST
#       STATUS SELECT FETCH STORE APPEND LOGOUT (bench/imap/imaplib_cycles.py; Nagle on, as imaplib leaves it)
set -euo pipefail
cd "$(dirname "$0")/../.."
ulimit -n 20000
PROJECT=bench/imap/HostedMail.Imap.LoadBenchmarks
BIN=$PROJECT/bin/Release/net10.0/HostedMail.Imap.LoadBenchmarks.dll
[ -f "$BIN" ] || dotnet build -c Release "$PROJECT" >/dev/null
mode=${1:-idle}; shift || true
# Seconds of an unmeasured warm-up round per server before the measured ones (mixed, realistic; 0: none).
WARMUP=${WARMUP:-20}

if [ "$mode" = realistic ] || [ "$mode" = imaplib ]; then
    source script/lib.sh
    source bench/cluster/nodes.sh
    [ "$(id -u)" = 0 ] || die "run as root (PostgreSQL as the postgres user, Dovecot)"
    MESSAGES=${1:-200}; SECONDS_PER_RUN=${2:-60}; ROUNDS=${3:-2}; USERS=${USERS:-100}
    HM_PORT=${HM_PORT:-26711}; DC_PORT=${DC_PORT:-26710}
    WORK=$(mktemp -d /tmp/imapbench-realistic.XXXXXX); chmod 755 "$WORK"
    DC=$WORK/dovecot
    mkdir -p "$DC"/run "$DC"/state "$DC"/mail "$DC"/home
    chown -R nobody:nogroup "$DC"/mail "$DC"/home
    sed -e "s#@DIR@#$DC#g" -e "s#@PORT@#$DC_PORT#" bench/imap/dovecot.conf.in > "$DC/dovecot.conf"
    for i in $(seq 0 $((USERS - 1))); do echo "u$i@bench.example:{PLAIN}bench-password-0123::::::"; done > "$DC/passwd"
    cleanup_realistic() { doveadm -c "$DC/dovecot.conf" stop 2>/dev/null || true; bench_stop_all; }
    trap cleanup_realistic EXIT
    bench_build_node "$WORK"
    bench_start_pg "$WORK"
    bench_seed "$USERS"
    bench_start_node hm "$(free_port 26730)" "$HM_PORT" "$(free_port 26731)"
    dovecot -c "$DC/dovecot.conf"
    echo "HostedMail node pid ${NODE_PIDS[hm]} on $HM_PORT, Dovecot $(dovecot --version) on $DC_PORT, $USERS users, work dir $WORK"
    dotnet "$BIN" mixed --port "$HM_PORT" --users "$USERS" --load "$MESSAGES" --seconds 1 --label "HostedMail (load)" | head -1
    dotnet "$BIN" mixed --port "$DC_PORT" --users "$USERS" --load "$MESSAGES" --seconds 1 --label "Dovecot (load)" | head -1
    psql_at "$BENCH_PG_PORT" -d hostedmail -qc "VACUUM ANALYZE"  # as in mixed: after the bulk load
    realistic_round() {  # label port seconds seed; as in mixed, neither server pays for the other's dirty pages
        sync
        if [ "$mode" = imaplib ]; then
            python3 bench/imap/imaplib_cycles.py "$2" "$3" "${PROCS:-6}" "$4" "$1" "$USERS"
        else
            dotnet "$BIN" realistic --port "$2" --users "$USERS" --connections 10 --seconds "$3" --seed "$4" --label "$1"
        fi
    }
    if [ "$WARMUP" -gt 0 ]; then
        realistic_round "HostedMail warm-up" "$HM_PORT" "$WARMUP" 0 | sed -n 1p
        realistic_round "Dovecot warm-up" "$DC_PORT" "$WARMUP" 0 | sed -n 1p
    fi
    for round in $(seq 1 "$ROUNDS"); do
        realistic_round "HostedMail round $round" "$HM_PORT" "$SECONDS_PER_RUN" "$round"
        realistic_round "Dovecot round $round" "$DC_PORT" "$SECONDS_PER_RUN" "$round"
    done
    exit 0
fi

: "${HOSTEDMAIL_TEST_PG:?set HOSTEDMAIL_TEST_PG, e.g. Host=127.0.0.1;Port=26700;Username=postgres}"
export HOSTEDMAIL_TEST_PG

if [ "$mode" = idle ]; then
    exec dotnet "$BIN" idle --sessions "${1:-10000}" --mailboxes "${2:-1000}" --deliveries "${3:-200}"
fi

MESSAGES=${1:-1000}; SECONDS_PER_RUN=${2:-60}; ROUNDS=${3:-2}
HM_PORT=${HM_PORT:-26721}; DC_PORT=${DC_PORT:-26720}
WORK=$(mktemp -d /tmp/imapbench-mixed.XXXXXX); chmod 755 "$WORK"
DC=$WORK/dovecot
mkdir -p "$DC"/run "$DC"/state "$DC"/mail "$DC"/home
chown -R nobody:nogroup "$DC"/mail "$DC"/home
sed -e "s#@DIR@#$DC#g" -e "s#@PORT@#$DC_PORT#" bench/imap/dovecot.conf.in > "$DC/dovecot.conf"
# The servers hold MAILBOXES accounts (default 1,000, as a hosting node's database does: with ten
# rows per table PostgreSQL plans sequential scans of folders and mailboxes that no real deployment
# sees); the workload uses the first ten.
MAILBOXES=${MAILBOXES:-1000}
for i in $(seq 0 $((MAILBOXES - 1))); do echo "u$i@bench.example:{PLAIN}bench-password-0123::::::"; done > "$DC/passwd"
mkfifo "$WORK/hm.in"
exec 3<>"$WORK/hm.in"
dotnet "$BIN" serve --mailboxes "$MAILBOXES" --port "$HM_PORT" --durable-flags "${DURABLE_FLAGS:-true}" <&3 >"$WORK/hm.out" 2>&1 &
HM_PID=$!
dovecot -c "$DC/dovecot.conf"
cleanup() {
    echo quit >&3 || true
    wait "$HM_PID" 2>/dev/null || true
    doveadm -c "$DC/dovecot.conf" stop 2>/dev/null || true
}
trap cleanup EXIT
until grep -q READY "$WORK/hm.out"; do sleep 1; kill -0 "$HM_PID"; done
echo "HostedMail pid $HM_PID on $HM_PORT, Dovecot $(dovecot --version) on $DC_PORT, work dir $WORK"

dotnet "$BIN" mixed --port "$HM_PORT" --load "$MESSAGES" --seconds 1 --label "HostedMail (load)" | head -1
dotnet "$BIN" mixed --port "$DC_PORT" --load "$MESSAGES" --seconds 1 --label "Dovecot (load)" | head -1
# The node's database after the bulk load: VACUUM ANALYZE, as pgbench's initialisation does, so the
# rounds run on the statistics and visibility map autovacuum would have within a minute or two
# (until autoanalyze ran, STORE's plan read ~196 buffers instead of ~24: bench/RESULTS.md).
echo vacuum >&3
until grep -q '^OK' "$WORK/hm.out"; do sleep 1; kill -0 "$HM_PID"; done
# CPU seconds of a process and its children (PostgreSQL backends, Dovecot imap/imap-login/auth).
tree_cpu() {  # seconds: utime+stime of the process and its live children, plus the children that ended (cutime+cstime)
    local t=0 p f root=$1
    for p in "$root" $(pgrep -P "$root" || true); do
        f=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
        set -- $f; t=$(( t + ${12} + ${13} ))
        [ "$p" = "$root" ] && t=$(( t + ${14} + ${15} ))
    done
    echo $(( t / $(getconf CLK_TCK) ))
}
PG_PORT=$(sed -n 's/.*Port=\([0-9]*\).*/\1/p' <<<"$HOSTEDMAIL_TEST_PG")
PG_PID=$(ss -ltnpH "sport = :$PG_PORT" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
HM_NODE=$(pgrep -P "$HM_PID" -f serve || echo "$HM_PID")
DC_PID=$(cat "$DC/run/master.pid")
run() {  # label port round [seconds] (each round appends new messages; both servers get the same ones)
    local hm0 pg0 dc0 seconds=${4:-$SECONDS_PER_RUN}
    # Neither server pays for the other's writes: the page cache's dirty pages (Dovecot's maildir
    # files, PostgreSQL's WAL and data files) are written out before each round starts.
    sync
    hm0=$(tree_cpu "$HM_NODE"); pg0=$(tree_cpu "$PG_PID"); dc0=$(tree_cpu "$DC_PID")
    dotnet "$BIN" mixed --port "$2" --connections "${CONNECTIONS:-10}" --seconds "$seconds" --seed "$3" --label "$1"
    echo "$1: server CPU during the run: HostedMail node $(( $(tree_cpu "$HM_NODE") - hm0 )) s, PostgreSQL $(( $(tree_cpu "$PG_PID") - pg0 )) s, Dovecot $(( $(tree_cpu "$DC_PID") - dc0 )) s (of $(( 2 * seconds )) s on 2 cores)"
}
# A warm-up round per server (WARMUP seconds, default 20; 0: none), printed but not one of the
# measured rounds: the node's first seconds run the JIT's unoptimised tier-0 code (node CPU per
# operation ~250 us in the first 5 s, ~85 us from ~30 s on) and PostgreSQL's new backends fill their
# caches, where Dovecot's C code is at full speed from the start. Measured rounds are the steady
# state a server that runs for weeks lives in; the warm-up's figures stay in the output.
if [ "$WARMUP" -gt 0 ]; then
    run "HostedMail warm-up" "$HM_PORT" 0 "$WARMUP"
    run "Dovecot warm-up" "$DC_PORT" 0 "$WARMUP"
fi
for round in $(seq 1 "$ROUNDS"); do
    run "HostedMail round $round" "$HM_PORT" "$round"
    run "Dovecot round $round" "$DC_PORT" "$round"
done
