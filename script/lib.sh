# Shared by the scripts: where things are, and how to run the project's PostgreSQL clusters.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_VERSION="${PG_VERSION:-15}"
PG_BIN="/usr/lib/postgresql/$PG_VERSION/bin"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# PostgreSQL refuses to run as root: as root, run its programs as the postgres user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_owns() {
  if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$@"; fi
}

# A port a listener can bind on 127.0.0.1, from the given start upwards. Probed by binding as
# PostgreSQL and Kestrel do (SO_REUSEADDR), not by connecting: a closed outgoing connection whose
# ephemeral port it was blocks the bind for a minute without listening (seen after a benchmark).
free_port() {
  local port=$1
  while ! python3 -c 'import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1])))' "$port" 2>/dev/null; do
    port=$((port + 1))
  done
  echo "$port"
}

# pg_init DIR PORT [fast]: a new cluster listening on 127.0.0.1:PORT, trust auth on loopback only.
# "fast" turns off durability (fsync): for throwaway test clusters, never for data you keep.
pg_init() {
  local dir=$1 port=$2 mode=${3:-}
  mkdir -p "$dir"; pg_owns "$dir"; chmod 700 "$dir"
  as_pg "$PG_BIN/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = '$dir'"
    echo "max_connections = 300"
    echo "shared_buffers = 256MB"
    if [ "$mode" = fast ]; then
      echo "fsync = off"; echo "synchronous_commit = off"; echo "full_page_writes = off"
    else
      # Group commit (docs/operations.md, "PostgreSQL settings"): a committing backend waits 200 us
      # for others' commits to share its WAL flush when another transaction is running.
      echo "commit_delay = 200"; echo "commit_siblings = 1"
    fi
  } >> "$dir/postgresql.conf"
}

pg_start() {
  local dir=$1
  as_pg "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null || { cat "$dir/server.log" >&2; die "PostgreSQL did not start (log above)"; }
}

pg_stop() {
  local dir=$1
  [ -f "$dir/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
}

pg_running() {
  as_pg "$PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1
}

pg_port() {
  sed -n "s/^port = \([0-9]*\)/\1/p" "$1/postgresql.conf" | tail -n 1
}

psql_at() { # psql_at PORT SQL...
  local port=$1; shift
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"
}

# The development cluster under .data/ (kept across runs). If the postgres user cannot reach
# the checkout (a home directory that is not world-traversable), the data lives under
# /var/lib/hostedmail and .data/pg points to it.
DEV_PG="$ROOT/.data/pg"
DEV_PG_PORT="${HOSTEDMAIL_PG_PORT:-5433}"

dev_pg_ensure() {
  mkdir -p "$ROOT/.data"
  if [ ! -e "$DEV_PG/PG_VERSION" ]; then
    local target=$DEV_PG
    if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$ROOT/.data"; then
      target="/var/lib/hostedmail/$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
      rm -rf "$target"; mkdir -p "$(dirname "$target")"; ln -sfn "$target" "$DEV_PG"
    fi
    say "creating the development PostgreSQL cluster in $DEV_PG (port $DEV_PG_PORT)"
    pg_init "$target" "$DEV_PG_PORT"
  fi
  if ! pg_running "$DEV_PG"; then
    say "starting PostgreSQL (port $(pg_port "$DEV_PG"))"
    pg_start "$DEV_PG"
  fi
  DEV_PG_PORT=$(pg_port "$DEV_PG")
  if [ -z "$(psql_at "$DEV_PG_PORT" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'hostedmail'")" ]; then
    psql_at "$DEV_PG_PORT" -d postgres -c "CREATE DATABASE hostedmail"
  fi
  export HOSTEDMAIL__DATABASE__CONNECTIONSTRING="Host=127.0.0.1;Port=$DEV_PG_PORT;Username=postgres;Database=hostedmail"
}

# Builds the node into .data/bin (Release) and prints the path of the executable's dll.
build_node() {
  mkdir -p "$ROOT/.data"
  dotnet build "$ROOT/src/HostedMail.Server/HostedMail.Server.csproj" -c Release -o "$ROOT/.data/bin" -v quiet -nologo \
    > "$ROOT/.data/build.log" 2>&1 || { cat "$ROOT/.data/build.log" >&2; die "build failed"; }
  echo "$ROOT/.data/bin/hostedmail.dll"
}
