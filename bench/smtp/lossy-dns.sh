#!/usr/bin/env bash
# SMTP inbound with a lossy DNS resolver vs a clean one (issue 14 "Measures"): the same HostedMail
# node and smtp-source run as bench/smtp/run.sh (STACKS=hostedmail), its resolver a loopback DNS
# server (bench/smtp/lossy_dns.py) that answers SPF for the sender's domain and NXDOMAIN for the
# rest (DMARC), TTL 0 so every message asks again; once losing no query, once losing LOSS of them,
# and once more losing LOSS behind a local unbound (the documented deployment, docs/operations.md
# "DNS resolver": the node asks unbound on loopback, unbound forwards to the lossy resolver).
#
# Usage (root): bench/smtp/lossy-dns.sh
# Environment: LOSS (default 0.1), NO_SOA (1: NXDOMAIN without SOA, as the machine's resolver
# answered; default 1), MESSAGES (default 2000), REPEATS (default 3), SIZES (default 4096),
# MODES (default reuse), WARMUP (default 500), UNBOUND (default 1: the third run; installs the Debian
# package unbound when missing), and run.sh's others. Prints one RESULTS.md table.
set -euo pipefail
cd "$(dirname "$0")/../.."
source script/lib.sh
LOSS=${LOSS:-0.1}
NO_SOA=${NO_SOA:-1}
export MESSAGES=${MESSAGES:-2000} REPEATS=${REPEATS:-3} SIZES=${SIZES:-4096} MODES=${MODES:-reuse} WARMUP=${WARMUP:-500} STACKS=hostedmail
OUT=${OUT:-/tmp/hm-bench-lossy-dns}
rm -rf "$OUT"; mkdir -p "$OUT"
UNBOUND=${UNBOUND:-1}
if [ "$UNBOUND" = 1 ] && ! command -v unbound >/dev/null; then
  say "installing unbound"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q unbound >/dev/null
fi
DNS_PID=
UNBOUND_PID=
stop_dns() {
  [ -n "$UNBOUND_PID" ] && kill -TERM "$UNBOUND_PID" 2>/dev/null && wait "$UNBOUND_PID" 2>/dev/null
  [ -n "$DNS_PID" ] && kill -TERM "$DNS_PID" 2>/dev/null && wait "$DNS_PID" 2>/dev/null
  DNS_PID=; UNBOUND_PID=
}
trap stop_dns EXIT

# A local unbound configured as docs/operations.md's "DNS resolver" section says (cache-min-ttl 30,
# serve-expired, prefetch), forwarding everything to the lossy resolver on UPSTREAM_PORT. Without
# DNSSEC validation: the loopback upstream's zones are unsigned and there is no root to prove it.
start_unbound() {  # NAME PORT UPSTREAM_PORT
  local conf="$OUT/$1.unbound.conf"
  cat > "$conf" <<CONF
server:
  interface: 127.0.0.1
  port: $2
  access-control: 127.0.0.0/8 allow
  num-threads: 2
  msg-cache-size: 64m
  rrset-cache-size: 128m
  cache-min-ttl: 30
  serve-expired: yes
  serve-expired-ttl: 3600
  prefetch: yes
  module-config: "iterator"
  do-not-query-localhost: no
  username: ""
  chroot: ""
  directory: "$OUT"
  pidfile: "$OUT/$1.unbound.pid"
  use-syslog: no
  logfile: "$OUT/$1.unbound.log"
  extended-statistics: yes
remote-control:
  control-enable: no
forward-zone:
  name: "."
  forward-addr: 127.0.0.1@$3
CONF
  unbound -d -c "$conf" > "$OUT/$1.unbound.out" 2>&1 &
  UNBOUND_PID=$!
  # Ready once it accepts DNS over TCP on its port (it serves UDP and TCP from the same start).
  for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$OUT/$1.unbound.out" >&2
  die "unbound did not answer on 127.0.0.1:$2"
}

run_with() {  # NAME LOSS [unbound]
  local port stats server
  port=$(free_port 26900)
  stats="$OUT/$1.dns"
  python3 bench/smtp/lossy_dns.py --port "$port" --loss "$2" $([ "$NO_SOA" = 1 ] && echo --no-soa) --stats "$stats" > "$OUT/$1.dns.log" 2>&1 &
  DNS_PID=$!
  for _ in $(seq 1 50); do grep -q READY "$OUT/$1.dns.log" 2>/dev/null && break; sleep 0.1; done
  server="127.0.0.1:$port"
  if [ "${3:-}" = unbound ]; then
    local local_port
    local_port=$(free_port $((port + 1)))
    start_unbound "$1" "$local_port" "$port"
    server="127.0.0.1:$local_port"
    say "$1: unbound on $server, forwarding to the resolver on 127.0.0.1:$port (loss $2)"
  else
    say "$1 resolver on $server (loss $2)"
  fi
  DNS_SERVER="$server" WORK="$OUT/$1" bench/smtp/run.sh > "$OUT/$1.table" 2> "$OUT/$1.log" || { tail -n 20 "$OUT/$1.log" >&2; die "run.sh failed ($1)"; }
  stop_dns
}

run_with clean 0
run_with lossy "$LOSS"
[ "$UNBOUND" = 1 ] && run_with unbound "$LOSS" unbound

median() { sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
rate() { awk -F'\t' 'NR > 1 {print $5 / $6}' "$OUT/$1/raw.tsv" | median; }
dns() { sed -n "s/^$2 //p" "$OUT/$1.dns"; }
echo
echo "HostedMail only, $MESSAGES messages per run, $REPEATS runs (median), sizes $SIZES, mode $MODES; NXDOMAIN $([ "$NO_SOA" = 1 ] && echo without || echo with) SOA; raw: $OUT"
printf '| resolver | queries | lost | HostedMail msg/s (stored) |\n| --- | ---: | ---: | ---: |\n'
printf '| clean (loses nothing) | %s | %s | %.0f |\n' "$(dns clean queries)" "$(dns clean dropped)" "$(rate clean)"
percent=$(awk -v l="$LOSS" 'BEGIN {print l * 100}')
printf '| lossy (loses %s%%) | %s | %s | %.0f |\n' "$percent" "$(dns lossy queries)" "$(dns lossy dropped)" "$(rate lossy)"
[ "$UNBOUND" = 1 ] && printf '| local unbound, forwarding to the lossy one (loses %s%%) | %s | %s | %.0f |\n' "$percent" "$(dns unbound queries)" "$(dns unbound dropped)" "$(rate unbound)"
true
