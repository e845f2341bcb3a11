#!/usr/bin/env bash
# Makes sure what the tests need is on this machine: PostgreSQL on 127.0.0.1:5432 and Redis on
# 127.0.0.1:6379 (started when they do not answer, installed from Debian first when missing), and
# Debian's Chromium for browser tests and nginx for the load-balancer test. Services that already
# answer are used as they are.
# ENSURE_PG_CLUSTER, ENSURE_PG_PORT and ENSURE_REDIS_PORT exist to try this script on spare ports.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_cluster=${ENSURE_PG_CLUSTER:-main}
pg_port=${ENSURE_PG_PORT:-5432}
redis_port=${ENSURE_REDIS_PORT:-6379}

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" > /dev/null
}

# wait_until SECONDS WHAT COMMAND...: polls COMMAND every 0.2 s; fails naming WHAT.
wait_until() {
  local tries=$(($1 * 5)) what=$2
  shift 2
  until "$@" > /dev/null 2>&1; do
    tries=$((tries - 1))
    if [ "$tries" -le 0 ]; then
      echo "ensure-services: $what did not come up" >&2
      return 1
    fi
    sleep 0.2
  done
}

pg_answers() { command -v pg_isready > /dev/null && pg_isready -q -h 127.0.0.1 -p "$pg_port"; }
redis_answers() { [ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2> /dev/null)" = PONG ]; }

ensure_postgres() {
  pg_answers && return 0
  local fresh=0 version conf
  if ! compgen -G "/usr/lib/postgresql/*/bin/postgres" > /dev/null || ! command -v pg_ctlcluster > /dev/null; then
    echo "ensure-services: installing Debian's postgresql for the storage tests"
    apt_install postgresql
    fresh=1
  fi
  version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n | tail -1)
  conf=/etc/postgresql/$version/$pg_cluster
  if [ ! -d "$conf" ]; then
    pg_createcluster --port "$pg_port" "$version" "$pg_cluster" > /dev/null
    fresh=1
  fi
  if [ "$fresh" = 1 ]; then
    # A cluster this run installed or created: make it answer the tests the way CI does, on
    # 127.0.0.1 without a password. A cluster that was already here keeps its settings.
    printf "listen_addresses = '127.0.0.1'\nport = %s\n" "$pg_port" > "$conf/conf.d/90-tests.conf"
    printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' > "$conf/pg_hba.conf"
    echo "ensure-services: PostgreSQL $version/$pg_cluster set to trust local connections (test machine)"
  fi
  echo "ensure-services: starting PostgreSQL $version/$pg_cluster"
  # After apt's own start attempt the cluster may be up already, on a socket but not yet checked.
  pg_ctlcluster --skip-systemctl-redirect "$version" "$pg_cluster" start || pg_ctlcluster --skip-systemctl-redirect "$version" "$pg_cluster" restart
  wait_until 30 "PostgreSQL on 127.0.0.1:$pg_port" pg_answers
}

# The storage tests default to the `test` database (DATABASE_URL overrides it).
ensure_test_database() {
  [ -n "${DATABASE_URL:-}" ] && return 0
  command -v psql > /dev/null || return 0
  local found
  if ! found=$(psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = 'test'" 2>&1); then
    echo "ensure-services: cannot check for the test database as postgres@127.0.0.1:$pg_port ($found); set DATABASE_URL" >&2
    return 0
  fi
  if [ "$found" != 1 ]; then
    echo "ensure-services: creating the test database"
    psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qc 'CREATE DATABASE test'
  fi
}

ensure_redis() {
  redis_answers && return 0
  if ! command -v redis-server > /dev/null || ! command -v redis-cli > /dev/null; then
    echo "ensure-services: installing Debian's redis-server for the scale-out tests"
    apt_install redis-server
  fi
  echo "ensure-services: starting redis-server on 127.0.0.1:$redis_port"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no > /dev/null
  wait_until 10 "Redis on 127.0.0.1:$redis_port" redis_answers
}

ensure_postgres
ensure_test_database
ensure_redis

if { compgen -G "test/web/*.test.ts" || compgen -G "test/e2e/*.test.ts"; } > /dev/null && [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium for the browser tests"
  apt_install chromium
fi

# The load-balancer test runs deploy/nginx.conf with Debian's nginx.
if ! command -v nginx > /dev/null; then
  echo "ensure-services: installing Debian's nginx for the load-balancer test"
  apt_install nginx-light || apt_install nginx
fi
