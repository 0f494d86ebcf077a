#!/usr/bin/env bash
# Issue 6's load acceptance on a real fleet: PostgreSQL, Redis and two catalog service JVMs
# (started by the harness on free loopback ports), driven by hotset-load.
#   scripts/catalog-scenarios.sh cache-vs-nocache|stampede|redis-outage|all [--products N] [--duration 30s]
#       [--concurrency 32] [--stampede-ttl 60s] [--stampede-readers 64]
# JAVA_OPTS='-Dhotset.fleet.env.HOTSET_HTTP_THREADS=250' passes an environment variable to every
# catalog instance (e.g. to compare a setting against the same fleet).
# Results (JSON + PNG) go to bench-results/catalog-*.{json,png}.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
mvn -B -q -ntp -pl hotset-catalog,hotset-bench -am package -DskipTests
exec java ${JAVA_OPTS:-} -cp hotset-bench/target/hotset-benchmarks.jar io.hotset.bench.scenario.CatalogScenarios "$@"
