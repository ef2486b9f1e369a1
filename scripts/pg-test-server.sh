#!/usr/bin/env bash
# A throw-away PostgreSQL 15 server for the tests (Debian's postgresql package).
#   pg-test-server.sh start DIR   initdb into DIR, start on a free TCP port of 127.0.0.1 and a
#                                 unix socket in DIR, write the connection URL to DIR/url
#   pg-test-server.sh stop DIR    stop it (fast shutdown) and remove DIR
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user on a
# DIR chowned to it. Durability is switched off (fsync, synchronous_commit): the data is
# thrown away afterwards and the tests check the queue's logic, not the disk.
# Environment: PG_EXTRA_LISTEN="10.1.1.1,10.1.2.1" also listens on those addresses, and
# PG_TRUST_NET="10.1.0.0/16" lets clients from that network in (the two-host test's
# network namespaces).
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
cmd=${1:?usage: pg-test-server.sh start|stop DIR}
dir=${2:?usage: pg-test-server.sh start|stop DIR}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  [ -x "$bin/initdb" ] || { echo "pg-test-server: $bin/initdb missing (apt-get install postgresql)" >&2; exit 1; }
  if [ -f "$dir/data/postmaster.pid" ]; then as_postgres "$bin/pg_ctl" stop -D "$dir/data" -m immediate >/dev/null 2>&1 || true; fi
  rm -rf "$dir"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  as_postgres "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  listen=127.0.0.1
  [ -n "${PG_EXTRA_LISTEN:-}" ] && listen="127.0.0.1,$PG_EXTRA_LISTEN"
  [ -n "${PG_TRUST_NET:-}" ] && echo "host all all $PG_TRUST_NET trust" >>"$dir/data/pg_hba.conf"
  for attempt in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 40000))
    # A refused connection means nobody listens there (bash's /dev/tcp).
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
    if as_postgres "$bin/pg_ctl" start -w -t 60 -D "$dir/data" -l "$dir/server.log" \
         -o "-c listen_addresses=$listen -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
         >/dev/null; then
      echo "postgresql://postgres@127.0.0.1:$port/postgres" >"$dir/url"
      chmod a+r "$dir/url"
      cat "$dir/url"
      exit 0
    fi
    echo "pg-test-server: start on port $port failed (attempt $attempt)" >&2
  done
  cat "$dir/server.log" >&2 || true
  exit 1
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then as_postgres "$bin/pg_ctl" stop -D "$dir/data" -m fast -w >/dev/null; fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: pg-test-server.sh start|stop DIR" >&2
  exit 2
  ;;
esac
