# Throwaway PostgreSQL and Redis for the test suite and the benchmarks. Source it, then:
#   services_install   # idempotent: redis-server (and PostgreSQL if no server binaries) from Debian
#   services_start     # both in a temp dir on loopback ports; exports OKR_COACH_TEST_DATABASE_URL/_REDIS_URL
#   services_stop      # stops both and removes the temp dir (call it from an EXIT trap)
# Nothing listens beyond 127.0.0.1; nothing is kept.

_svc_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }

_pg_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/postgres" ] && [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  command -v postgres >/dev/null && command -v initdb >/dev/null && { dirname "$(command -v postgres)"; return 0; }
  return 1
}

_free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

services_install() {
  local need=()
  command -v redis-server >/dev/null || need+=(redis-server)
  _pg_bindir >/dev/null || need+=(postgresql)
  [ ${#need[@]} -eq 0 ] && return 0
  echo "installing ${need[*]} from Debian (for the PostgreSQL/Redis tests)" >&2
  if ! { _svc_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive _svc_root apt-get install -y -qq "${need[@]}"; } >/dev/null 2>&1; then
    echo "warning: could not install ${need[*]}; the tests that need them will say so" >&2
  fi
}

services_start() {
  SVC_DIR="$(mktemp -d /tmp/okr-coach-services.XXXXXX)"
  export SVC_DIR
  local bindir runas=()
  if bindir="$(_pg_bindir)"; then
    # initdb refuses to run as root: run the throwaway cluster as the unprivileged postgres (or nobody) user.
    if [ "$(id -u)" = 0 ]; then
      local u=postgres; id -u postgres >/dev/null 2>&1 || u=nobody
      chown "$u" "$SVC_DIR"; runas=(runuser -u "$u" --)
    fi
    local port; port="$(_free_port)"
    if "${runas[@]}" "$bindir/initdb" -D "$SVC_DIR/pg" -U okr --auth=trust -E UTF8 --no-sync >"$SVC_DIR/initdb.log" 2>&1 \
       && "${runas[@]}" "$bindir/pg_ctl" -D "$SVC_DIR/pg" -l "$SVC_DIR/pg.log" -w -t 60 start \
            -o "-p $port -k $SVC_DIR -c listen_addresses=127.0.0.1 -c max_connections=200" >/dev/null \
       && "${runas[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U okr okr; then
      export OKR_COACH_TEST_DATABASE_URL="postgresql+psycopg://okr@127.0.0.1:$port/okr"
      SVC_PG=("${runas[@]}" "$bindir/pg_ctl" -D "$SVC_DIR/pg" -m fast -w -t 30 stop)
      echo "throwaway PostgreSQL ($("$bindir/postgres" --version)) on 127.0.0.1:$port" >&2
    else
      echo "warning: PostgreSQL did not start:" >&2; tail -5 "$SVC_DIR"/*.log >&2 || true
    fi
  else
    echo "warning: no PostgreSQL server binaries found" >&2
  fi
  if command -v redis-server >/dev/null; then
    local rport i; rport="$(_free_port)"
    redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
      --pidfile "$SVC_DIR/redis.pid" --logfile "$SVC_DIR/redis.log" --dir "$SVC_DIR" >/dev/null 2>&1 || true
    for i in $(seq 1 100); do
      if redis-cli -p "$rport" ping 2>/dev/null | grep -q PONG; then
        export OKR_COACH_TEST_REDIS_URL="redis://127.0.0.1:$rport/0"
        echo "throwaway Redis ($(redis-server --version | cut -d' ' -f3)) on 127.0.0.1:$rport" >&2
        break
      fi
      sleep 0.1
    done
    [ -n "${OKR_COACH_TEST_REDIS_URL:-}" ] || echo "warning: Redis did not start" >&2
  else
    echo "warning: no redis-server found" >&2
  fi
}

services_stop() {
  [ -n "${SVC_DIR:-}" ] && [ -d "$SVC_DIR" ] || return 0
  if [ -n "${SVC_PG+x}" ]; then "${SVC_PG[@]}" >/dev/null 2>&1 || true; fi
  local i rpid
  rpid="$(cat "$SVC_DIR/redis.pid" 2>/dev/null || true)"
  if [ -n "$rpid" ]; then
    kill "$rpid" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$rpid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$SVC_DIR"
  unset SVC_DIR OKR_COACH_TEST_DATABASE_URL OKR_COACH_TEST_REDIS_URL
}
