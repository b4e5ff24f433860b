#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# pg_server.sh start|stop|restart STATE - a throwaway PostgreSQL for the tests.
#
#   start    initdb in a new temporary folder, then pg_ctl start on a unix
#            socket in that folder (no TCP port: tests running at the same
#            time, and a PostgreSQL the machine already runs, never meet);
#            writes STATE, a shell file naming the folder (PG_DIR), the
#            socket folder (PG_HOST) and a connection URL (PG_URL) whose user
#            "chain" has the password PG_PASSWORD (scram-sha-256), so that
#            a test can also try wrong credentials.
#   stop     pg_ctl stop (immediate) and remove the folder; a no-op when
#            STATE names none.  CTest runs it as the fixture's cleanup, also
#            when tests failed.
#   restart  pg_ctl restart -m immediate: the server's crash (no shutdown
#            checkpoint; crash recovery on start), for a test of sync
#            across it.
#
# initdb refuses to run as root: as root the server runs as the `postgres`
# system user (Debian's postgresql package creates it; it is created here
# when missing), through runuser; as any other user it runs as that user.
# A server that cannot start is a failure (exit 1, with its log): the tests
# that need it then fail too, never skip.
#
# The binaries are Debian's (/usr/lib/postgresql/N/bin, the newest N), or
# PG_BINDIR's.
set -euo pipefail
cmd=${1:-}
state=${2:-}
if [ -z "$cmd" ] || [ -z "$state" ]; then
  echo "usage: pg_server.sh start|stop|restart STATE" >&2
  exit 2
fi

bindir=${PG_BINDIR:-}
if [ -z "$bindir" ]; then
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "pg_server: no PostgreSQL server binaries (initdb) found under" \
       "/usr/lib/postgresql/*/bin: install postgresql (scripts/deps.sh --test)" >&2
  exit 1
fi

# Run a server command as the server's user.
as_server() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop_server() {
  if [ ! -f "$state" ]; then return 0; fi
  # shellcheck disable=SC1090
  . "$state"
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
    as_server "$bindir/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then rm -rf "$PG_DIR"; fi
  rm -f "$state"
}

case "$cmd" in
  stop)
    stop_server
    ;;
  restart)
    # shellcheck disable=SC1090
    . "$state"
    as_server "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -m immediate -w restart >/dev/null
    ;;
  start)
    # A server an interrupted run left behind is stopped first.
    stop_server
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
      useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
    fi
    dir=$(mktemp -d /tmp/posintent-pg.XXXXXX)
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
    password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
    printf '%s\n' "$password" >"$dir/pwfile"
    chmod 600 "$dir/pwfile"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir/pwfile"; fi
    if ! as_server "$bindir/initdb" -D "$dir/data" -U chain --pwfile="$dir/pwfile" \
           --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
      echo "pg_server: initdb failed:" >&2
      cat "$dir/initdb.log" >&2
      rm -rf "$dir"
      exit 1
    fi
    rm -f "$dir/pwfile"
    # A socket in the folder, no TCP; fsync off: the data is thrown away.
    if ! as_server "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
           -o "-c listen_addresses='' -k $dir -c fsync=off -c full_page_writes=off" \
           start >/dev/null; then
      echo "pg_server: the server did not start:" >&2
      cat "$dir/log" >&2 || true
      as_server "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
      rm -rf "$dir"
      exit 1
    fi
    {
      # KEY='value' lines, for a shell's `.` and for tests/pgtest.py; the
      # values hold no quote (mktemp and hex names).
      printf "PG_DIR='%s'\n" "$dir"
      printf "PG_HOST='%s'\n" "$dir"
      printf "PG_PASSWORD='%s'\n" "$password"
      printf "PG_BINDIR='%s'\n" "$bindir"
      printf "PG_URL='%s'\n" "postgresql://chain:$password@/postgres?host=$dir"
    } >"$state"
    echo "pg_server: PostgreSQL on $dir"
    ;;
  *)
    echo "usage: pg_server.sh start|stop|restart STATE" >&2
    exit 2
    ;;
esac
