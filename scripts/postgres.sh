#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests: pg_start makes a cluster in a temporary folder,
# starts it on a free port and exports its connection string; pg_stop stops it and removes the folder.
# initdb refuses to run as root, so the server runs as the postgres user.

PG_DIR=${PG_DIR:-}
PG_PORT=${PG_PORT:-}

pg_find_binaries() {
  command -v initdb >/dev/null && return 0
  local bin
  for bin in /usr/lib/postgresql/*/bin; do
    [[ -x $bin/initdb ]] && { PATH="$bin:$PATH"; export PATH; return 0; }
  done
  apt_install postgresql
  for bin in /usr/lib/postgresql/*/bin; do [[ -x $bin/initdb ]] && PATH="$bin:$PATH"; done
  export PATH
}

# pg_start: starts the server; exports SAGA_POSTGRES_ADMIN (a connection string to database postgres).
pg_start() {
  pg_find_binaries
  local as=()
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    as=(runuser -u postgres --)
  fi
  PG_DIR=$(mktemp -d /tmp/sagademo-pg.XXXXXX)
  free_port PG_PORT
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$PG_DIR"
  chmod 700 "$PG_DIR"
  "${as[@]}" initdb -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
  "${as[@]}" pg_ctl -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PG_DIR -c max_connections=300 -c fsync=on" start >/dev/null \
    || { cat "$PG_DIR/server.log" >&2; die "PostgreSQL did not start"; }
  export PG_PORT
  export SAGA_POSTGRES_ADMIN="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
  echo "==> PostgreSQL running on 127.0.0.1:$PG_PORT (data in $PG_DIR)"
}

# pg_create_database NAME: an empty database; prints its connection string.
pg_create_database() {
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -q -c "CREATE DATABASE $1" >/dev/null || die "could not create database $1"
  echo "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=$1"
}

pg_stop() {
  [[ -n $PG_DIR ]] || return 0
  local as=()
  [[ $(id -u) -eq 0 ]] && as=(runuser -u postgres --)
  "${as[@]}" pg_ctl -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1
  rm -rf "$PG_DIR"
  PG_DIR=
}
