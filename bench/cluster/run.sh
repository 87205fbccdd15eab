#!/usr/bin/env bash
# Two-node measures (issue 14 "Measures"): two real `hostedmail serve` processes (Release, HEAD)
# on one throwaway PostgreSQL, one cluster; the load client is bench/imap/HostedMail.Imap.LoadBenchmarks.
#   bench/cluster/run.sh idle [SESSIONS] [MAILBOXES] [DELIVERIES]   default 10000 100 200
#       RSS per IDLE session on node B; delivery over SMTP on node A to `* n EXISTS` on node B, p50/p99
#   bench/cluster/run.sh failover [MAILBOXES]                         default 100
#       SIGKILL node A after its mailboxes were used through it; time until node B serves each
# As root (PostgreSQL runs as the postgres user). WORK (default /tmp/hm-bench-cluster; wiped).
# HASH_ITERATIONS: PBKDF2 iterations of the seeded passwords (default: the node's, 210,000). A node
# that takes over verifies every returning client's password once (its verified-credential cache
# is its own), so failover with many clients is partly password hashing; a low count measures the
# cluster's part alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
source script/lib.sh
source bench/cluster/nodes.sh
[ "$(id -u)" = 0 ] || die "run as root"
mode=${1:-idle}; shift || true
WORK=${WORK:-/tmp/hm-bench-cluster}
rm -rf "$WORK"; mkdir -p "$WORK"; chmod 755 "$WORK"
trap bench_stop_all EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"  # 10,000 sessions need ~10,000 descriptors per process
PROJECT=bench/imap/HostedMail.Imap.LoadBenchmarks
dotnet build -c Release "$PROJECT" -v quiet -nologo > "$WORK/client-build.log" 2>&1 || { cat "$WORK/client-build.log" >&2; die "client build failed"; }
CLIENT="$PROJECT/bin/Release/net10.0/HostedMail.Imap.LoadBenchmarks.dll"

bench_build_node "$WORK"
[ -n "${HASH_ITERATIONS:-}" ] && export HOSTEDMAIL__SECURITY__PASSWORDHASHITERATIONS=$HASH_ITERATIONS
bench_start_pg "$WORK"
if [ "$mode" = idle ]; then MAILBOXES=${2:-100}; else MAILBOXES=${1:-100}; fi
bench_seed "$MAILBOXES"
HTTP_A=$(free_port 26720); IMAP_A=$(free_port $((HTTP_A + 1))); SMTP_A=$(free_port $((HTTP_A + 2)))
HTTP_B=$(free_port $((HTTP_A + 10))); IMAP_B=$(free_port $((HTTP_B + 1))); SMTP_B=$(free_port $((HTTP_B + 2)))
bench_start_node A "$HTTP_A" "$IMAP_A" "$SMTP_A"
bench_start_node B "$HTTP_B" "$IMAP_B" "$SMTP_B"
echo "Machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); node HEAD $(git rev-parse --short HEAD); PostgreSQL $PG_VERSION (durable defaults); PBKDF2 iterations ${HASH_ITERATIONS:-default}"

case "$mode" in
  idle)
    dotnet "$CLIENT" cluster-idle --smtp-port "$SMTP_A" --imap-port "$IMAP_B" --node-pid "${NODE_PIDS[B]}" \
      --sessions "${1:-10000}" --mailboxes "$MAILBOXES" --deliveries "${3:-200}" ;;
  failover)
    dotnet "$CLIENT" failover --imap-a "$IMAP_A" --imap-b "$IMAP_B" --kill-pid "${NODE_PIDS[A]}" --mailboxes "$MAILBOXES" ;;
  *) die "usage: bench/cluster/run.sh idle|failover ..." ;;
esac
