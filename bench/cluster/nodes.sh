# Real `hostedmail serve` nodes for the benchmarks (sourced by bench/cluster/run.sh and
# bench/imap/run.sh realistic): the node built in Release from the committed HEAD, a throwaway
# PostgreSQL cluster, tenant "bench" with mailboxes u0..u{N-1}@bench.example (password
# bench-password-0123), nodes started and stopped by name. Needs script/lib.sh sourced first.
BENCH_BIN=${BENCH_BIN:-/tmp/hm-bench-bin}
BENCH_DOMAIN=bench.example
BENCH_PASSWORD=bench-password-0123
declare -A NODE_PIDS=()

bench_build_node() {  # WORK
  local src="$1/src"
  mkdir -p "$src"; git archive HEAD | tar -x -C "$src"
  say "building the node (Release, HEAD $(git rev-parse --short HEAD)) into $BENCH_BIN"
  dotnet build "$src/src/HostedMail.Server" -c Release -o "$BENCH_BIN" -v quiet -nologo > "$1/build.log" 2>&1 || { cat "$1/build.log" >&2; die "build failed"; }
}

# Ports sit below Linux's ephemeral range (32768-60999): a port picked there can be taken as the
# source port of an outgoing connection before the node binds it (Orleans then fails AddressInUse).
bench_start_pg() {  # WORK: sets BENCH_PG_PORT and the node's connection string
  BENCH_PG_PORT=$(free_port 26800)
  pg_init "$1/pg" "$BENCH_PG_PORT"
  pg_start "$1/pg"
  psql_at "$BENCH_PG_PORT" -d postgres -c "CREATE DATABASE hostedmail" >/dev/null
  export HOSTEDMAIL__DATABASE__CONNECTIONSTRING="Host=127.0.0.1;Port=$BENCH_PG_PORT;Username=postgres;Database=hostedmail"
}

bench_hm() { dotnet "$BENCH_BIN/hostedmail.dll" "$@"; }

# The CLI keeps to the plan limits: business allows 500 mailboxes and 500 GB of quota (1G each fits).
bench_seed() {  # MAILBOXES
  say "seeding tenant bench with $1 mailboxes"
  bench_hm migrate >/dev/null
  bench_hm tenant create bench --plan business >/dev/null
  bench_hm domain add "$BENCH_DOMAIN" --tenant bench --verified >/dev/null
  seq 0 $(($1 - 1)) | xargs -P 2 -I{} sh -c "printf '%s\n' '$BENCH_PASSWORD' | dotnet '$BENCH_BIN/hostedmail.dll' mailbox create u{}@$BENCH_DOMAIN --tenant bench --password-stdin --quota 1G >/dev/null"
}

# bench_start_node NAME HTTP_PORT IMAP_PORT SMTP_PORT: a node with plaintext IMAP LOGIN allowed, MX on
# SMTP_PORT, its own silo ports, DNS to a closed loopback port, logs in WORK/NAME.log.
bench_start_node() {
  local name=$1 http=$2 imap=$3 smtp=$4
  (
    export HOSTEDMAIL__HTTP__URLS="http://127.0.0.1:$http"
    export HOSTEDMAIL__MAIL__LISTENERS__IMAP__PROTOCOL=imap HOSTEDMAIL__MAIL__LISTENERS__IMAP__ENDPOINT="127.0.0.1:$imap"
    export HOSTEDMAIL__MAIL__LISTENERS__IMAP__MAXCONNECTIONS=100000 HOSTEDMAIL__MAIL__LISTENERS__IMAP__MAXCONNECTIONSPERADDRESS=100000
    export HOSTEDMAIL__MAIL__LISTENERS__SMTP__PROTOCOL=smtp HOSTEDMAIL__MAIL__LISTENERS__SMTP__ENDPOINT="127.0.0.1:$smtp"
    export HOSTEDMAIL__MAIL__LISTENERS__SMTP__MAXCONNECTIONSPERADDRESS=1000
    for l in SUBMISSION SUBMISSIONS IMAPS POP3 POP3S; do export "HOSTEDMAIL__MAIL__LISTENERS__${l}__ENABLED=false"; done
    export HOSTEDMAIL__IMAP__ALLOWPLAINTEXTAUTHENTICATION=true
    export HOSTEDMAIL__ORLEANS__SILOPORT=$(free_port $((http + 100))) HOSTEDMAIL__ORLEANS__GATEWAYPORT=$(free_port $((http + 200)))
    export HOSTEDMAIL__DNS__SERVERS__0=127.0.0.1:9 HOSTEDMAIL__PORTAL__DOMAINCHECKS__ENABLED=false HOSTEDMAIL__OUTBOUND__ENABLED=false
    export HOSTEDMAIL__AUTH__PENALTIES__FREEFAILURES=1000000 HOSTEDMAIL__AUTH__PENALTIES__ADDRESSLOCKOUTTHRESHOLD=10000000
    export HOSTEDMAIL__LOGGING__LOGLEVEL__DEFAULT=Warning
    exec dotnet "$BENCH_BIN/hostedmail.dll" serve
  ) > "$WORK/$name.log" 2>&1 &
  NODE_PIDS[$name]=$!
  for _ in $(seq 1 240); do
    curl -fsS "http://127.0.0.1:$http/readyz" >/dev/null 2>&1 && { say "node $name: pid ${NODE_PIDS[$name]}, HTTP $http, IMAP $imap, SMTP $smtp"; return; }
    kill -0 "${NODE_PIDS[$name]}" 2>/dev/null || { tail -n 30 "$WORK/$name.log" >&2; die "node $name exited"; }
    sleep 0.5
  done
  die "node $name not ready after 120 s"
}

bench_stop_all() {
  set +e
  for pid in "${NODE_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && kill -TERM "$pid"; done
  for pid in "${NODE_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  [ -d "$WORK/pg" ] && pg_stop "$WORK/pg"
  set -e
}
