#!/usr/bin/env bash
# SMTP inbound throughput (issue 5): HostedMail (node + durable PostgreSQL) against Postfix
# delivering through LMTP into Dovecot, both driven by Postfix's smtp-source over 10 concurrent
# connections, 4 KB and 10 KB messages, one recipient each, a new connection per message and
# connections reused. See bench/smtp/README.md.
#
# Usage (root, Debian 12 with the .NET 10 SDK): bench/smtp/run.sh
# Environment: MESSAGES (per run, default 3000), REPEATS (default 3), SESSIONS (default 10),
# SIZES (default "4096 10240"), MODES (default "new reuse"), STACKS (default "hostedmail postfix"),
# WARMUP (messages per stack and mode before measuring, default 1000), SOURCE (head: build the
# committed HEAD from a copy, the default; worktree: build the checkout as it is),
# WORK (default /tmp/hm-bench-smtp; wiped at start), DNS_SERVER (the node's resolver, default the
# closed port 127.0.0.1:9; "answering": a loopback resolver the script starts that answers everything),
# PROFILE (1: after the warm-up, one extra HostedMail run per mode under dotnet-trace's thread-time sampling;
# the top methods by exclusive and inclusive time go to WORK/profile-MODE.txt and are not measured).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../../script/lib.sh
source script/lib.sh

MESSAGES=${MESSAGES:-3000}
REPEATS=${REPEATS:-3}
SESSIONS=${SESSIONS:-10}
SIZES=${SIZES:-"4096 10240"}
MODES=${MODES:-"new reuse"}
STACKS=${STACKS:-"hostedmail postfix"}
WARMUP=${WARMUP:-1000}
WORK=${WORK:-/tmp/hm-bench-smtp}
BIN=/tmp/hm-bench-bin
DOMAIN=bench.example
RCPT=user@$DOMAIN
SENDER=sender@remote.example
[ "$(id -u)" = 0 ] || die "run as root (apt, PostgreSQL as the postgres user, Postfix and Dovecot)"

# ---------------------------------------------------------------- clean-up of this run's daemons
NODE_PID=
DNS_PID=
stop_all() {
  set +e
  [ -n "$DNS_PID" ] && kill -TERM "$DNS_PID" 2>/dev/null
  if [ -n "$NODE_PID" ] && kill -0 "$NODE_PID" 2>/dev/null; then
    kill -TERM "$NODE_PID"; wait "$NODE_PID" 2>/dev/null
  fi
  [ -f "$WORK/postfix/conf/main.cf" ] && postfix -c "$WORK/postfix/conf" stop >/dev/null 2>&1
  [ -f "$WORK/dovecot/dovecot.conf" ] && [ -f "$WORK/dovecot/run/master.pid" ] && dovecot -c "$WORK/dovecot/dovecot.conf" stop >/dev/null 2>&1
  [ -d "$WORK/pg" ] && pg_stop "$WORK/pg"
  set -e
}
# A previous run that was interrupted: stop what it left (its node wrote its pid).
if [ -f "$WORK/node.pid" ] && kill -0 "$(cat "$WORK/node.pid")" 2>/dev/null; then kill -TERM "$(cat "$WORK/node.pid")"; sleep 2; fi
stop_all
trap stop_all EXIT
rm -rf "$WORK"; mkdir -p "$WORK"; chmod 755 "$WORK"

# ---------------------------------------------------------------- packages and build
missing=()
command -v smtp-source >/dev/null || missing+=(postfix)
command -v dovecot >/dev/null || missing+=(dovecot-core)
[ -x /usr/lib/dovecot/lmtp ] || missing+=(dovecot-lmtpd)
[ -x "$PG_BIN/initdb" ] || missing+=("postgresql-$PG_VERSION")
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  debconf-set-selections <<< "postfix postfix/main_mailer_type select No configuration"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi

# The committed HEAD is built from a copy (SOURCE=worktree builds the checkout as it is):
# others may be editing and building in this checkout at the same time.
if [ "${SOURCE:-head}" = head ]; then
  SRC="$WORK/src"; mkdir -p "$SRC"; git archive HEAD | tar -x -C "$SRC"
  say "building the node (Release, HEAD $(git rev-parse --short HEAD)) into $BIN"
else
  SRC=.
  say "building the node (Release, working tree) into $BIN"
fi
dotnet build "$SRC/src/HostedMail.Server" -c Release -o "$BIN" -v quiet -nologo > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; die "build failed"; }

# ---------------------------------------------------------------- PostgreSQL, durable
PG_PORT=$(free_port 26600)
say "PostgreSQL (durable: fsync on, synchronous_commit on) on 127.0.0.1:$PG_PORT"
pg_init "$WORK/pg" "$PG_PORT"
pg_start "$WORK/pg"
psql_at "$PG_PORT" -d postgres -c "CREATE DATABASE hostedmail" >/dev/null
psql_at "$PG_PORT" -d postgres -tAc "SELECT name || '=' || setting FROM pg_settings WHERE name IN ('fsync','synchronous_commit','full_page_writes','wal_sync_method') ORDER BY name" > "$WORK/pg-settings.txt"

# ---------------------------------------------------------------- HostedMail node
SMTP_PORT=$(free_port 26625)
HTTP_PORT=$(free_port $((SMTP_PORT + 1)))
export HOSTEDMAIL__DATABASE__CONNECTIONSTRING="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=hostedmail"
export HOSTEDMAIL__HTTP__URLS="http://127.0.0.1:$HTTP_PORT"
export HOSTEDMAIL__MAIL__LISTENERS__SMTP__PROTOCOL=smtp
export HOSTEDMAIL__MAIL__LISTENERS__SMTP__ENDPOINT="127.0.0.1:$SMTP_PORT"
export HOSTEDMAIL__MAIL__LISTENERS__SMTP__MAXCONNECTIONSPERADDRESS=1000
for l in SUBMISSION SUBMISSIONS IMAP IMAPS POP3 POP3S; do export "HOSTEDMAIL__MAIL__LISTENERS__${l}__ENABLED=false"; done
# SPF/DKIM/DMARC lookups go to a closed port on loopback and fail at once (no internet), unless
# DNS_SERVER names one (bench/smtp/lossy-dns.sh: a loopback resolver that loses queries), or is
# "answering": a loopback resolver that answers every query, with TTLs of 300 s (SPF for the
# sender's domain, NXDOMAIN with an SOA for the rest), like the documented local unbound.
if [ "${DNS_SERVER:-}" = answering ]; then
  DNS_PORT=$(free_port 26900)
  python3 bench/smtp/lossy_dns.py --port "$DNS_PORT" --ttl 300 --stats "$WORK/dns.stats" > "$WORK/dns.log" 2>&1 &
  DNS_PID=$!
  for _ in $(seq 1 50); do grep -q READY "$WORK/dns.log" 2>/dev/null && break; sleep 0.1; done
  DNS_SERVER="127.0.0.1:$DNS_PORT"
fi
export HOSTEDMAIL__DNS__SERVERS__0=${DNS_SERVER:-127.0.0.1:9}
export HOSTEDMAIL__PORTAL__DOMAINCHECKS__ENABLED=false
hm() { dotnet "$BIN/hostedmail.dll" "$@"; }

say "migrating and seeding $RCPT"
hm migrate >/dev/null
hm tenant create bench --plan business >/dev/null
hm domain add "$DOMAIN" --tenant bench --verified >/dev/null
printf '%s\n' 'bench-password-not-secret-0123' | hm mailbox create "$RCPT" --tenant bench --password-stdin --quota 100G >/dev/null

say "starting the node: SMTP 127.0.0.1:$SMTP_PORT, HTTP $HTTP_PORT"
dotnet "$BIN/hostedmail.dll" serve > "$WORK/node.log" 2>&1 &
NODE_PID=$!
echo "$NODE_PID" > "$WORK/node.pid"
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$NODE_PID" 2>/dev/null || { tail -n 30 "$WORK/node.log" >&2; die "node exited"; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null || { tail -n 30 "$WORK/node.log" >&2; die "node not ready"; }
# The only mailbox of this database: every row of messages is a delivery to it.
stored_count() { psql_at "$PG_PORT" -d hostedmail -tAc "SELECT count(*) FROM messages"; }

# ---------------------------------------------------------------- Dovecot (LMTP into maildir)
DV="$WORK/dovecot"
LMTP_PORT=$(free_port $((HTTP_PORT + 1)))
mkdir -p "$DV/run" "$DV/state" "$DV/mail"
chown nobody:nogroup "$DV/mail"
printf '%s:{PLAIN}unused:65534:65534::%s/mail/user::\n' "$RCPT" "$DV" > "$DV/users"
cat > "$DV/dovecot.conf" <<EOF
# Private Dovecot for the benchmark: defaults everywhere except paths and listeners.
# Durability defaults kept: mail_fsync = optimized, maildir delivery (tmp/ then rename to new/).
base_dir = $DV/run
state_dir = $DV/state
log_path = $DV/dovecot.log
protocols = lmtp
listen = 127.0.0.1
ssl = no
mail_location = maildir:~/Maildir
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = $DV/users
}
userdb {
  driver = passwd-file
  args = $DV/users
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
}
EOF
say "Dovecot LMTP on 127.0.0.1:$LMTP_PORT (maildir $DV/mail/user/Maildir)"
dovecot -c "$DV/dovecot.conf"
MAILDIR_NEW="$DV/mail/user/Maildir/new"

# ---------------------------------------------------------------- Postfix (virtual_transport = lmtp)
PF="$WORK/postfix"
PF_PORT=$(free_port $((LMTP_PORT + 1)))
mkdir -p "$PF/conf" "$PF/queue" "$PF/data"
chown postfix "$PF/data"
printf '%s OK\n' "$RCPT" > "$PF/conf/vmailbox"
cat > "$PF/conf/main.cf" <<EOF
# Private Postfix for the benchmark: Debian's defaults except paths, listener and the LMTP transport.
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = postfix.bench.test
mydestination =
mynetworks = 127.0.0.0/8
virtual_mailbox_domains = $DOMAIN
virtual_mailbox_maps = texthash:$PF/conf/vmailbox
virtual_transport = lmtp:inet:127.0.0.1:$LMTP_PORT
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
EOF
cat > "$PF/conf/master.cf" <<EOF
127.0.0.1:$PF_PORT inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
local     unix  - n n - - local
virtual   unix  - n n - - virtual
lmtp      unix  - - n - - lmtp
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
/usr/lib/postfix/sbin/post-install "config_directory=$PF/conf" meta_directory=/etc/postfix create-missing >/dev/null 2>&1
say "Postfix smtpd on 127.0.0.1:$PF_PORT"
postfix -c "$PF/conf" start >/dev/null 2>&1 || { tail -n 20 "$PF/maillog" >&2 || true; die "Postfix did not start"; }
for _ in $(seq 1 60); do (exec 3<>"/dev/tcp/127.0.0.1/$PF_PORT") 2>/dev/null && break; sleep 0.5; done
for _ in $(seq 1 60); do (exec 3<>"/dev/tcp/127.0.0.1/$LMTP_PORT") 2>/dev/null && break; sleep 0.5; done

# ---------------------------------------------------------------- runs
now() { date +%s.%N; }
maildir_count() { find "$MAILDIR_NEW" -maxdepth 1 -type f 2>/dev/null | wc -l; }
queue_empty() { [ -z "$(find "$PF/queue/incoming" "$PF/queue/active" "$PF/queue/deferred" "$PF/queue/maildrop" -type f 2>/dev/null | head -n 1)" ]; }

# source_args SIZE MODE COUNT
source_args() {
  local args=(-s "$SESSIONS" -m "$3" -l "$1" -f "$SENDER" -t "$RCPT" -M client.bench.test)
  [ "$2" = reuse ] && args+=(-d)
  printf '%s\n' "${args[@]}"
}

# run_hostedmail SIZE MODE COUNT: prints "elapsed accepted_elapsed" (equal: 250 means committed)
run_hostedmail() {
  local before after t0 t1 args
  mapfile -t args < <(source_args "$@")
  before=$(stored_count)
  t0=$(now)
  smtp-source "${args[@]}" "127.0.0.1:$SMTP_PORT" >/dev/null 2>>"$WORK/smtp-source.err" || die "smtp-source against HostedMail failed (see $WORK/smtp-source.err)"
  t1=$(now)
  after=$(stored_count)
  [ $((after - before)) -eq "$3" ] || die "HostedMail stored $((after - before)) of $3 messages"
  echo "$(echo "$t1 - $t0" | bc -l) $(echo "$t1 - $t0" | bc -l)"
}

# run_postfix SIZE MODE COUNT: prints "delivered_elapsed accepted_elapsed"
run_postfix() {
  local t0 t1 t2 args n
  mapfile -t args < <(source_args "$@")
  find "$MAILDIR_NEW" -maxdepth 1 -type f -delete 2>/dev/null || true
  t0=$(now)
  smtp-source "${args[@]}" "127.0.0.1:$PF_PORT" >/dev/null 2>>"$WORK/smtp-source.err" || die "smtp-source against Postfix failed (see $WORK/smtp-source.err)"
  t1=$(now)
  local deadline=$(( $(date +%s) + 600 ))
  while :; do
    n=$(maildir_count)
    [ "$n" -ge "$3" ] && break
    [ "$(date +%s)" -lt "$deadline" ] || die "Postfix+Dovecot delivered $n of $3 within 600 s (see $PF/maillog, $DV/dovecot.log)"
    sleep 0.05
  done
  t2=$(now)
  queue_empty || say "warning: Postfix queue not empty after all $3 were delivered"
  [ "$n" -eq "$3" ] || die "Postfix+Dovecot delivered $n messages for $3 sent"
  echo "$(echo "$t2 - $t0" | bc -l) $(echo "$t1 - $t0" | bc -l)"
}

command -v bc >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q bc >/dev/null; }
RAW="$WORK/raw.tsv"
printf 'stack\tsize\tmode\trepeat\tmessages\tseconds\taccept_seconds\tloadavg1\n' > "$RAW"

say "warm-up ($WARMUP messages per stack and mode: JIT tiering, caches)"
for stack in $STACKS; do "run_$stack" 4096 new "$WARMUP" >/dev/null; "run_$stack" 4096 reuse "$WARMUP" >/dev/null; done

if [ "${PROFILE:-0}" = 1 ] && [[ " $STACKS " == *" hostedmail "* ]]; then
  TRACE=$(command -v dotnet-trace || echo "$HOME/.dotnet/tools/dotnet-trace")
  [ -x "$TRACE" ] || dotnet tool install -g dotnet-trace >/dev/null
  for mode in $MODES; do
    say "profiling HostedMail, $mode connections ($MESSAGES messages; not measured)"
    # 5 s of samples from inside the run (3,000 messages take longer than that here).
    ( sleep 1; "$TRACE" collect -p "$NODE_PID" --profile dotnet-sampled-thread-time --duration 00:00:00:05 -o "$WORK/profile-$mode.nettrace" > "$WORK/trace-$mode.log" 2>&1 ) &
    trace_pid=$!
    run_hostedmail 4096 "$mode" "$MESSAGES" >/dev/null
    wait "$trace_pid" || true
    { echo "## exclusive"; "$TRACE" report "$WORK/profile-$mode.nettrace" topN -n 40
      echo "## inclusive"; "$TRACE" report "$WORK/profile-$mode.nettrace" topN -n 60 --inclusive; } > "$WORK/profile-$mode.txt" 2>&1 || true
    say "profile: $WORK/profile-$mode.txt"
  done
fi

for repeat in $(seq 1 "$REPEATS"); do
  for size in $SIZES; do
    for mode in $MODES; do
      for stack in $STACKS; do
        load=$(cut -d' ' -f1 /proc/loadavg)
        out=$("run_$stack" "$size" "$mode" "$MESSAGES")
        read -r secs accept <<< "$out"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$stack" "$size" "$mode" "$repeat" "$MESSAGES" "$secs" "$accept" "$load" >> "$RAW"
        say "$(printf '%-10s %5s B %-5s #%s: %6.0f msg/s stored/delivered (%6.0f msg/s accepted), load %s' \
          "$stack" "$size" "$mode" "$repeat" "$(echo "$MESSAGES / $secs" | bc -l)" "$(echo "$MESSAGES / $accept" | bc -l)" "$load")"
      done
    done
  done
done

# ---------------------------------------------------------------- summary: medians
median() { sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
echo
echo "PostgreSQL: $(paste -sd' ' "$WORK/pg-settings.txt"); $MESSAGES messages per run, $REPEATS runs, $SESSIONS sessions; raw: $RAW"
printf '| %s | %s | %s | %s | %s | %s |\n' "size" "connections" "HostedMail msg/s (stored)" "Postfix+Dovecot msg/s (delivered)" "Postfix msg/s (accepted)" "ratio"
printf '| --- | --- | ---: | ---: | ---: | ---: |\n'
for size in $SIZES; do
  for mode in $MODES; do
    rate() { awk -F'\t' -v s="$1" -v z="$size" -v m="$mode" -v c="$2" 'NR > 1 && $1 == s && $2 == z && $3 == m {print $5 / $c}' "$RAW" | median; }
    hmr=$(rate hostedmail 6); pfr=$(rate postfix 6); pfa=$(rate postfix 7)
    ratio=$(awk -v a="${hmr:-0}" -v b="${pfr:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
    printf '| %s KB | %s | %.0f | %.0f | %.0f | %s |\n' "$((size / 1024))" "$([ "$mode" = new ] && echo "new per message" || echo "reused")" "${hmr:-0}" "${pfr:-0}" "${pfa:-0}" "$ratio"
  done
done
