#!/usr/bin/env bash
# L2-hit benchmark on a real redis-server (started and stopped by each trial via hotset-testkit):
# a region's get with L1 off vs a raw Lettuce sync GET of the same bytes (SampleTime: p50/p90/p99),
# and region.getAll(100 keys) vs 100 GETs pipelined with Lettuce async (throughput, one op = one
# batch), 1 thread, 3 forks, with -prof gc. Writes bench-results/l2.{json,txt,md,png}.
# Extra arguments go to JMH (e.g. -f 1 -i 2 -r 1 for a quick look; -prof stack for a profile).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${HOTSET_REDIS_SERVER:-}" ] || command -v redis-server >/dev/null || {
  echo "redis-server is not installed (run scripts/install-test-deps.sh, or set HOTSET_REDIS_SERVER)" >&2; exit 1; }
mvn -B -q -ntp -pl hotset-bench -am package -DskipTests
mkdir -p bench-results
echo "running L2HitBenchmark, about 6 minutes (JMH prints progress and an ETA)..."
java -jar hotset-bench/target/hotset-benchmarks.jar L2HitBenchmark -prof gc \
  -rf json -rff bench-results/l2.json "$@" | tee bench-results/l2.txt
java -Djava.awt.headless=true -cp hotset-bench/target/hotset-benchmarks.jar io.hotset.bench.JmhReport \
  bench-results/l2.json bench-results/l2 lettuce "L2 hit: hotset (L1 off) vs raw Lettuce, real redis-server"
