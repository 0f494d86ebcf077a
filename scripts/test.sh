#!/usr/bin/env bash
# The one command that runs every test (unit + integration against real servers).
# Installs what the integration tests start (redis-server, PostgreSQL 15, varnishd) when
# missing, then runs the Maven build, which fails on any failing or skipped test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
exec mvn -B -ntp clean verify "$@"
