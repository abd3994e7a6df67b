#!/usr/bin/env bash
# Run by `npm test` before vitest: makes sure what the tests need is here.
#   - PostgreSQL on 127.0.0.1:5432 and RabbitMQ on 127.0.0.1:5672, unless TEST_DATABASE_URL /
#     TEST_AMQP_URL point elsewhere: started if installed but stopped, installed if missing;
#   - pg_dump and pg_restore at least as new as the server (the backup tests run them);
#   - promtool (Debian's prometheus package), amtool and Alertmanager (prometheus-alertmanager)
#     and shellcheck (the infra and alert-delivery tests run them);
#   - Debian's chromium at /usr/bin/chromium (the console's browser tests drive it with playwright-core,
#     which cannot download a browser of its own here).
# As root it installs what is missing with apt-get. Otherwise, or with --check, it changes
# nothing and fails with one line per missing thing, naming it and the command that provides it.
# When everything is present it prints nothing: it only runs a few short checks.
set -euo pipefail

check_only=""
case "${1:-}" in
  "") ;;
  --check) check_only=1 ;;
  *)
    echo "usage: $0 [--check]" >&2
    exit 2
    ;;
esac

# The same default as test/support/global-setup.ts.
database_url="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

log() { printf '[test-services] %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  for _ in $(seq 1 90); do
    port_open "$1" && return 0
    sleep 1
  done
  return 1
}

can_install=""
if [ -z "$check_only" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  can_install=1
fi

# One line per thing that is missing and could not be provided here; printed together at the end.
problems=()
problem() { problems+=("$1"); }

apt_updated=""
# Installs Debian packages, or records `what` as missing with the command that would install them.
provide() {
  local what=$1
  shift
  if [ -z "$can_install" ]; then
    problem "$what is missing: run 'apt-get install --no-install-recommends $*' as root"
    return 1
  fi
  if [ -z "$apt_updated" ]; then
    log "apt-get update"
    apt-get update -qq >/dev/null
    apt_updated=1
  fi
  log "installing $* for $what"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null; then
    problem "$what is missing and 'apt-get install --no-install-recommends $*' failed"
    return 1
  fi
}

# The version of the newest Debian PostgreSQL cluster named main, if any (sort -V: 9 before 10).
local_cluster() {
  local dir
  dir=$(printf '%s\n' /etc/postgresql/*/main | sort -V | tail -n 1)
  if [ -d "$dir" ]; then basename "$(dirname "$dir")"; fi
}

ensure_postgres() {
  if [ -n "${TEST_DATABASE_URL:-}" ] || port_open 5432; then return 0; fi
  if [ -z "$(local_cluster)" ]; then provide "PostgreSQL (server)" postgresql || return 0; fi
  local version conf
  version=$(local_cluster)
  if [ -z "$version" ]; then
    problem "PostgreSQL is installed but has no cluster in /etc/postgresql/*/main: create one with 'pg_createcluster <version> main'"
    return 0
  fi
  if [ -z "$can_install" ]; then
    problem "PostgreSQL $version is not running on 127.0.0.1:5432: run 'pg_ctlcluster $version main start' as root, or set TEST_DATABASE_URL"
    return 0
  fi
  conf="/etc/postgresql/$version/main"
  # The tests connect over TCP as postgres without a password (TEST_DATABASE_URL's default).
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$conf/pg_hba.conf"; then
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$conf/pg_hba.conf"
  fi
  # The package's install script may have started the cluster already; then it only reloads pg_hba.conf.
  if port_open 5432; then
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload >/dev/null 2>&1 || true
    return 0
  fi
  log "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
  wait_port 5432 || problem "PostgreSQL $version did not open 127.0.0.1:5432 after 'pg_ctlcluster $version main start'; see /var/log/postgresql"
}

ensure_rabbitmq() {
  if [ -n "${TEST_AMQP_URL:-}" ] || port_open 5672; then return 0; fi
  if ! command -v rabbitmq-server >/dev/null 2>&1; then provide "RabbitMQ" rabbitmq-server || return 0; fi
  if [ -z "$can_install" ]; then
    problem "RabbitMQ is not running on 127.0.0.1:5672: run 'rabbitmq-server -detached' as root, or set TEST_AMQP_URL"
    return 0
  fi
  log "starting RabbitMQ"
  rabbitmq-server -detached >/dev/null 2>&1 || true
  if ! wait_port 5672; then
    problem "RabbitMQ did not open 127.0.0.1:5672 after 'rabbitmq-server -detached'; see /var/log/rabbitmq"
    return 0
  fi
  rabbitmqctl await_startup >/dev/null 2>&1 || problem "RabbitMQ opened its port but 'rabbitmqctl await_startup' failed"
}

ensure_command() {
  local command=$1 package=$2
  command -v "$command" >/dev/null 2>&1 && return 0
  provide "$command" "$package" || return 0
  command -v "$command" >/dev/null 2>&1 || problem "$command is still missing after installing $package"
}

# Major version printed by `<tool> --version`, e.g. "pg_dump (PostgreSQL) 15.20 (Debian ...)" -> 15.
tool_major() { "$1" --version 2>/dev/null | sed -n 's/.*(PostgreSQL) \([0-9][0-9]*\).*/\1/p'; }

# The newest major among `name` on PATH and Debian's side-by-side versions, as lib/backup/tools.ts searches.
newest_tool_major() {
  local name=$1 best=0 major candidate
  for candidate in "$(command -v "$name" 2>/dev/null || true)" /usr/lib/postgresql/*/bin/"$name"; do
    [ -x "$candidate" ] || continue
    major=$(tool_major "$candidate")
    if [ -n "$major" ] && [ "$major" -gt "$best" ]; then best=$major; fi
  done
  echo "$best"
}

# pg_dump refuses a server newer than itself, so the client tools must be at least the server's major.
ensure_client_tools_match_server() {
  command -v psql >/dev/null 2>&1 || return 0
  local out version server tool major found
  # psql may also warn (e.g. that it cannot enter the working directory); its own error says "psql: ".
  if ! out=$(PGCONNECT_TIMEOUT=5 psql "$database_url" -XAtqc 'show server_version_num' 2>&1); then
    problem "cannot connect to PostgreSQL at ${database_url%%\?*}: $(printf '%s\n' "$out" | grep -m 1 '^psql: ' || printf '%s\n' "$out" | tail -n 1)"
    return 0
  fi
  version=$(printf '%s\n' "$out" | grep -E '^[0-9]+$' | tail -n 1 || true)
  if [ -z "$version" ]; then
    problem "PostgreSQL at ${database_url%%\?*} did not report server_version_num: $(printf '%s\n' "$out" | tail -n 1)"
    return 0
  fi
  server=$((version / 10000))
  for tool in pg_dump pg_restore; do
    major=$(newest_tool_major "$tool")
    [ "$major" -lt "$server" ] || continue
    found="found $major"
    [ "$major" -gt 0 ] || found="none found"
    provide "$tool $server or newer ($found; the server is PostgreSQL $server)" "postgresql-client-$server" || continue
    major=$(newest_tool_major "$tool")
    if [ "$major" -lt "$server" ]; then problem "$tool $server or newer is still missing after installing postgresql-client-$server"; fi
  done
}

ensure_postgres
ensure_rabbitmq
ensure_command psql postgresql-client
ensure_command pg_dump postgresql-client
ensure_command pg_restore postgresql-client
ensure_command promtool prometheus
ensure_command amtool prometheus-alertmanager
ensure_command shellcheck shellcheck
ensure_command chromium chromium
# Only with a reachable server and client tools present is there a version to compare.
if [ ${#problems[@]} -eq 0 ]; then ensure_client_tools_match_server; fi

if [ ${#problems[@]} -gt 0 ]; then
  printf 'npm test cannot run: %s\n' "${problems[@]}" >&2
  exit 1
fi
