#!/usr/bin/env bash
# Write-latency benchmark on a real PostgreSQL 15 and redis-server (started and stopped by each trial
# via hotset-testkit): a plain JDBC UPDATE ... RETURNING version (durable PostgreSQL, and one with
# fsync=off) vs region.write with INVALIDATE and WRITE_THROUGH (L1 + Redis L2) vs the acknowledgement
# of WriteBehind.write with a file journal (MACHINE_CRASH fsync group commit, PROCESS_CRASH), all in
# one run; SampleTime (p50/p90/p99), 1 thread (all variants) and 4 threads (source and write-behind),
# 2 forks, -prof gc. Writes bench-results/write.{json,txt,md,png}.
# Extra arguments go to JMH (e.g. -f 1 -i 2 -r 1 for a quick look; -p variant=source,write-behind-fsync).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${HOTSET_REDIS_SERVER:-}" ] || command -v redis-server >/dev/null || {
  echo "redis-server is not installed (run scripts/install-test-deps.sh, or set HOTSET_REDIS_SERVER)" >&2; exit 1; }
mvn -B -q -ntp -pl hotset-bench -am package -DskipTests
mkdir -p bench-results
# JMH starts each fork from the jar: run a private copy, so a rebuild meanwhile cannot change it mid-run
jar="$(mktemp --suffix=.jar)"
trap 'rm -f "$jar"' EXIT
cp hotset-bench/target/hotset-benchmarks.jar "$jar"
echo "running WriteLatencyBenchmark, about 7 minutes (JMH prints progress and an ETA)..."
java -jar "$jar" WriteLatencyBenchmark -prof gc \
  -rf json -rff bench-results/write.json "$@" | tee bench-results/write.txt
java -Djava.awt.headless=true -cp "$jar" io.hotset.bench.JmhReport \
  bench-results/write.json bench-results/write source "Write latency per policy (PostgreSQL 15, redis-server)"
