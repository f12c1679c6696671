#!/usr/bin/env bash
# A private PostgreSQL cluster for development, tests and the demo.
#
#   scripts/postgres.sh start    start it (or reuse it), print its DATABASE_URL
#   scripts/postgres.sh env      like start, but print `export DATABASE_URL=...`
#   scripts/postgres.sh url      print the URL of the running cluster
#   scripts/postgres.sh status   say whether it runs
#   scripts/postgres.sh stop     stop it
#   scripts/postgres.sh deps     install what the build and the cluster need (as root)
#   scripts/postgres.sh database NAME [URL]
#                                create database NAME anew on URL's server (default: this
#                                cluster, started if needed) and print its URL
#   scripts/postgres.sh database-url NAME [URL]
#                                print the URL of database NAME there, as it is
#
# The cluster lives in .pgdata/ under the project (git-ignored), or, when the `postgres`
# user cannot reach the project folder, in the system's temporary folder under a name
# derived from the project path. It listens only on its own Unix socket (no TCP), on a
# port of its own, with trust authentication for the local superuser `postgres`.
# When run as root, the server runs as the `postgres` user: initdb refuses root.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf '%s\n' "$*" >&2; }

ensure_deps() {
    local missing=()
    pkg-config --exists libpq 2>/dev/null || missing+=(libpq-dev)
    pkg-config --exists libcrypto 2>/dev/null || missing+=(libssl-dev)
    pkg-config --exists zlib 2>/dev/null || missing+=(zlib1g-dev)
    # Foundation's XML parser (STS answers) loads libxml2.
    pkg-config --exists libxml-2.0 2>/dev/null || missing+=(libxml2-dev)
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    [ -n "$(pg_bindir 2>/dev/null)" ] || missing+=(postgresql)
    # The tests' stand-in servers (webhook, DDSQL, Amazon Connect, metadata) and the URL
    # helper below are Python; the AWS CLI proves the Connect stand-in's signature checks.
    command -v python3 >/dev/null 2>&1 || missing+=(python3)
    # scripts/test keeps the vendors' Python packages (PyPI) in a virtualenv of their own.
    python3 -c "import ensurepip, venv" >/dev/null 2>&1 || missing+=(python3-venv)
    command -v aws >/dev/null 2>&1 || missing+=(awscli)
    # The HTML report's browser check renders it with headless Chromium.
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ]; then
        say "installing ${missing[*]} with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq "${missing[@]}" >&2
    else
        say "missing: ${missing[*]}. Install them with:"
        say "  sudo apt-get install -y ${missing[*]}"
        exit 1
    fi
}

# The server's bin folder: Debian keeps initdb and pg_ctl out of PATH.
pg_bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
    if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; fi
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Runs a command as the cluster's owner.
as_owner() {
    if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

cluster_dir() {
    if ! is_root || runuser -u postgres -- test -x "$root" 2>/dev/null; then
        echo "$root/.pgdata"
    else
        local tag
        tag=$(printf '%s' "$root" | sha256sum | cut -c1-12)
        echo "${TMPDIR:-/tmp}/connect-audit-pg-$tag"
    fi
}

dir=$(cluster_dir)
data="$dir/data"
socket="$dir/socket"

port_in_use() { ss -Hltn 2>/dev/null | awk '{print $4}' | grep -Eq "[:.]$1\$" || [ -e "/tmp/.s.PGSQL.$1" ]; }

choose_port() {
    if [ -f "$dir/port" ]; then cat "$dir/port"; return; fi
    local port=$((54320 + $(printf '%s' "$root" | cksum | cut -d' ' -f1) % 500))
    while port_in_use "$port"; do port=$((port + 1)); done
    echo "$port"
}

url() {
    local port
    port=$(cat "$dir/port")
    echo "postgresql://postgres@/postgres?host=$socket&port=$port"
}

running() { [ -f "$data/PG_VERSION" ] && as_owner "$(pg_bindir)/pg_ctl" status -D "$data" >/dev/null 2>&1; }

start() {
    ensure_deps
    local bin
    bin=$(pg_bindir)
    if running; then url; return; fi
    if is_root; then
        install -d -o postgres -g postgres -m 700 "$dir" "$socket"
    else
        install -d -m 700 "$dir" "$socket"
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
        say "creating a PostgreSQL cluster in $data"
        as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    fi
    local port
    port=$(choose_port)
    as_owner sh -c "echo $port > '$dir/port'"
    as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
        -o "-c listen_addresses='' -c unix_socket_directories='$socket' -c unix_socket_permissions=0700 -p $port" \
        start >/dev/null || { say "PostgreSQL did not start; its log:"; tail -n 20 "$data/server.log" >&2; exit 1; }
    url
}

stop() {
    if running; then as_owner "$(pg_bindir)/pg_ctl" -D "$data" -m fast -w stop >/dev/null; say "stopped"; else say "not running"; fi
}

# The URL of database NAME on the server at URL (the same URL, another path).
database_url() {
    python3 - "$1" "$2" <<'PY'
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
print(u.urlunsplit((p.scheme, p.netloc, "/" + sys.argv[2], p.query, p.fragment)))
PY
}

case "${1:-start}" in
    start) start ;;
    env) echo "export DATABASE_URL='$(start)'" ;;
    url) running && url || { say "not running: scripts/postgres.sh start"; exit 1; } ;;
    status) if running; then say "running: $(url)"; else say "not running"; exit 1; fi ;;
    stop) stop ;;
    deps) ensure_deps ;;
    database)
        name=${2:?usage: scripts/postgres.sh database NAME [URL]}
        server=${3:-$(start)}
        psql -q "$server" -c "DROP DATABASE IF EXISTS \"$name\"" -c "CREATE DATABASE \"$name\"" 2>/dev/null
        database_url "$server" "$name"
        ;;
    database-url)
        database_url "${3:-$(start)}" "${2:?usage: scripts/postgres.sh database-url NAME [URL]}" ;;
    *) say "usage: scripts/postgres.sh start|env|url|status|stop|deps|database NAME [URL]|database-url NAME [URL]"; exit 2 ;;
esac
