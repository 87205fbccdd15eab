#!/usr/bin/env bash
# SMTP inbound with a lossy DNS resolver vs a clean one (issue 14 "Measures"): the same HostedMail
# node and smtp-source run as bench/smtp/run.sh (STACKS=hostedmail), its resolver a loopback DNS
# server (bench/smtp/lossy_dns.py) that answers SPF for the sender's domain and NXDOMAIN for the
# rest (DMARC), TTL 0 so every message asks again; once losing no query, once losing LOSS of them.
#
# Usage (root): bench/smtp/lossy-dns.sh
# Environment: LOSS (default 0.1), NO_SOA (1: NXDOMAIN without SOA, as the machine's resolver
# answered; default 1), MESSAGES (default 2000), REPEATS (default 3), SIZES (default 4096),
# MODES (default reuse), WARMUP (default 500), and run.sh's others. Prints one RESULTS.md table.
set -euo pipefail
cd "$(dirname "$0")/../.."
source script/lib.sh
LOSS=${LOSS:-0.1}
NO_SOA=${NO_SOA:-1}
export MESSAGES=${MESSAGES:-2000} REPEATS=${REPEATS:-3} SIZES=${SIZES:-4096} MODES=${MODES:-reuse} WARMUP=${WARMUP:-500} STACKS=hostedmail
OUT=${OUT:-/tmp/hm-bench-lossy-dns}
rm -rf "$OUT"; mkdir -p "$OUT"
DNS_PID=
stop_dns() { [ -n "$DNS_PID" ] && kill -TERM "$DNS_PID" 2>/dev/null && wait "$DNS_PID" 2>/dev/null; DNS_PID=; }
trap stop_dns EXIT

run_with() {  # NAME LOSS
  local port stats
  port=$(free_port 26900)
  stats="$OUT/$1.dns"
  python3 bench/smtp/lossy_dns.py --port "$port" --loss "$2" $([ "$NO_SOA" = 1 ] && echo --no-soa) --stats "$stats" > "$OUT/$1.dns.log" 2>&1 &
  DNS_PID=$!
  for _ in $(seq 1 50); do grep -q READY "$OUT/$1.dns.log" 2>/dev/null && break; sleep 0.1; done
  say "$1 resolver on 127.0.0.1:$port (loss $2)"
  DNS_SERVER="127.0.0.1:$port" WORK="$OUT/$1" bench/smtp/run.sh > "$OUT/$1.table" 2> "$OUT/$1.log" || { tail -n 20 "$OUT/$1.log" >&2; die "run.sh failed ($1)"; }
  stop_dns
}

run_with clean 0
run_with lossy "$LOSS"

median() { sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
rate() { awk -F'\t' 'NR > 1 {print $5 / $6}' "$OUT/$1/raw.tsv" | median; }
dns() { sed -n "s/^$2 //p" "$OUT/$1.dns"; }
echo
echo "HostedMail only, $MESSAGES messages per run, $REPEATS runs (median), sizes $SIZES, mode $MODES; NXDOMAIN $([ "$NO_SOA" = 1 ] && echo without || echo with) SOA; raw: $OUT"
printf '| resolver | queries | lost | HostedMail msg/s (stored) |\n| --- | ---: | ---: | ---: |\n'
printf '| clean (loses nothing) | %s | %s | %.0f |\n' "$(dns clean queries)" "$(dns clean dropped)" "$(rate clean)"
printf '| lossy (loses %s%%) | %s | %s | %.0f |\n' "$(awk -v l="$LOSS" 'BEGIN {print l * 100}')" "$(dns lossy queries)" "$(dns lossy dropped)" "$(rate lossy)"
