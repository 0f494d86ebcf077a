#!/usr/bin/env bash
# Installs the real servers the integration tests start as processes (redis-server,
# PostgreSQL 15). Idempotent: does nothing when they are already present.
# Debian/Ubuntu via apt-get; elsewhere point HOTSET_REDIS_SERVER / HOTSET_PG_BIN at your own.
set -euo pipefail

need=()
if [ -z "${HOTSET_REDIS_SERVER:-}" ] && ! command -v redis-server >/dev/null 2>&1; then
  need+=(redis-server)
fi
if [ -z "${HOTSET_PG_BIN:-}" ] && [ ! -x /usr/lib/postgresql/15/bin/postgres ]; then
  need+=(postgresql-15)
fi
if ! command -v openssl >/dev/null 2>&1; then
  need+=(openssl)   # the test kit generates throwaway TLS certificates with it
fi
if [ -z "${HOTSET_VARNISHD:-}" ] && ! command -v varnishd >/dev/null 2>&1 && [ ! -x /usr/sbin/varnishd ]; then
  need+=(varnish)
fi

if [ ${#need[@]} -eq 0 ]; then
  echo "install-test-deps: redis-server, PostgreSQL 15, varnishd and openssl already present"
  exit 0
fi

echo "install-test-deps: installing ${need[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps: apt-get not found; install ${need[*]} yourself or set HOTSET_REDIS_SERVER / HOTSET_PG_BIN / HOTSET_VARNISHD" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
# The packages' own init scripts must not start system-wide services: tests start their own.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ "$(id -u)" -eq 0 ] && [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
