#!/usr/bin/env bash
# L1-hit benchmark: a region's get vs raw Caffeine getIfPresent (expireAfterWrite), Zipf(0.99),
# 1 and 2 threads, with -prof gc. Writes bench-results/l1-hit.{json,txt,md,png}.
# Extra arguments go to JMH (e.g. -i 3 -r 1 for a quick look).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -ntp -pl hotset-bench -am package -DskipTests
mkdir -p bench-results
echo "running L1HitBenchmark, about 6 minutes (JMH prints progress and an ETA)..."
java -jar hotset-bench/target/hotset-benchmarks.jar L1HitBenchmark -prof gc \
  -rf json -rff bench-results/l1-hit.json "$@" | tee bench-results/l1-hit.txt
java -Djava.awt.headless=true -cp hotset-bench/target/hotset-benchmarks.jar io.hotset.bench.JmhReport \
  bench-results/l1-hit.json bench-results/l1-hit caffeine "L1 hit: hotset region.get vs raw Caffeine, Zipf(0.99)"
