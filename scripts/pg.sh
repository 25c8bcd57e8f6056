#!/usr/bin/env bash
# Throwaway PostgreSQL cluster on 127.0.0.1, all state under $PGT.
# usage: PGT=/some/dir scripts/pg.sh start|stop|env     (env: PG_PORT, default 55432)
# - start: installs postgresql with apt-get when initdb is missing, initdb (trust auth,
#   UTF8, C.UTF-8, fsync off), starts the server; fails loudly with the server log.
# - stop:  stops the cluster under $PGT (only that one).
# - env:   prints `export EBOK_TEST_PG_URL=...` for eval.
set -euo pipefail
PG_PORT=${PG_PORT:-55432}

die() { echo "pg.sh: $*" >&2; exit 1; }

# /usr/lib/postgresql/<newest version>/bin (do not trust PATH: /usr/local/bin may hold symlinks)
find_bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; fi
  done | sort -V | tail -n 1
}

install_pg() {
  [ "$(id -u)" = 0 ] || die "postgresql is not installed and we are not root: apt-get install postgresql"
  echo "pg.sh: installing postgresql with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
}

# run a command as the cluster owner: root -> postgres (initdb refuses root), else ourselves
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  : "${PGT:?set PGT to a directory, e.g. PGT=\$(mktemp -d)}"
  BIN=$(find_bindir)
  if [ -z "$BIN" ]; then install_pg; BIN=$(find_bindir); fi
  [ -n "$BIN" ] || die "no /usr/lib/postgresql/*/bin/initdb even after installing postgresql"
  port_busy "$PG_PORT" && die "port 127.0.0.1:$PG_PORT is already in use (leftover cluster? stop it with the same PGT, or set PG_PORT)"
  mkdir -p "$PGT"
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$PGT"
    chmod 700 "$PGT"
    as_owner test -w "$PGT" || die "user postgres cannot write $PGT (a parent directory is not traversable? chmod 755 it)"
  fi
  if [ ! -f "$PGT/data/PG_VERSION" ]; then
    as_owner "$BIN/initdb" -D "$PGT/data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 \
      >"$PGT/initdb.log" 2>&1 || { cat "$PGT/initdb.log" >&2; die "initdb failed"; }
  fi
  if ! as_owner "$BIN/pg_ctl" -D "$PGT/data" -l "$PGT/server.log" -w -t 30 -o \
      "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PGT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >"$PGT/pg_ctl.log" 2>&1; then
    cat "$PGT/pg_ctl.log" >&2
    tail -n 40 "$PGT/server.log" >&2 2>/dev/null || true
    die "PostgreSQL did not start on 127.0.0.1:$PG_PORT (logs above, state in $PGT)"
  fi
  port_busy "$PG_PORT" || { tail -n 40 "$PGT/server.log" >&2 || true; die "PostgreSQL is not listening on 127.0.0.1:$PG_PORT"; }
}

stop() {
  : "${PGT:?set PGT to the directory given to start}"
  [ -f "$PGT/data/postmaster.pid" ] || return 0
  BIN=$(find_bindir)
  [ -n "$BIN" ] || die "pg_ctl not found"
  as_owner "$BIN/pg_ctl" -D "$PGT/data" -m fast -w -t 30 stop >/dev/null 2>&1 \
    || as_owner "$BIN/pg_ctl" -D "$PGT/data" -m immediate -w stop >/dev/null 2>&1 || true
}

env() {
  echo "export EBOK_TEST_PG_URL=postgres://postgres@127.0.0.1:$PG_PORT/postgres"
}

case "${1:-}" in
  start|stop|env) "$1" ;;
  *) echo "usage: PGT=dir [PG_PORT=55432] $0 start|stop|env" >&2; exit 2 ;;
esac
