#!/usr/bin/env bash
# Load scenarios against a running catalog service (this script does not start it).
#   scripts/load.sh <scenario> [hotset-load options...]
#   scripts/load.sh run|compare|--help [...]
# Scenarios: steady, stampede (mass-expiry), redis-outage, penetration, hot-key (viral),
# cold-start, purge-storm. Results go to bench-results/load-<scenario>.{json,png} unless
# --out is given. Builds hotset-bench/target/hotset-load.jar when it is missing or
# HOTSET_LOAD_REBUILD=1. Environment: HOTSET_TARGET (default http://127.0.0.1:8080),
# HOTSET_ADMIN_TOKEN (purge-storm, stampede --invalidate-at).
# Examples:
#   scripts/load.sh steady --duration 60s
#   scripts/load.sh redis-outage --at 10s="kill -STOP $(pgrep -o redis-server)" \
#                                --at 30s="kill -CONT $(pgrep -o redis-server)" --duration 50s
#   scripts/load.sh steady --compare bench-results/load-steady-baseline.json
set -euo pipefail
cd "$(dirname "$0")/.."
jar=hotset-bench/target/hotset-load.jar
if [[ ! -f "$jar" || "${HOTSET_LOAD_REBUILD:-0}" == 1 ]]; then
  mvn -B -q -ntp -pl hotset-bench -am package -DskipTests
fi
if [[ $# -eq 0 ]]; then
  exec java -jar "$jar" scenario --help
fi
name=$1
shift
case "$name" in
  run|compare|help|-h|--help|-V|--version)
    exec java -Djava.awt.headless=true -jar "$jar" "$name" "$@" ;;
esac
args=("$@")
has() { local o; for o in "${args[@]}"; do [[ "$o" == "$1" || "$o" == "$1="* ]] && return 0; done; return 1; }
has --target || args+=(--target "${HOTSET_TARGET:-http://127.0.0.1:8080}")
has --out || has -o || { mkdir -p bench-results; args+=(--out "bench-results/load-$name.json"); }
exec java -Djava.awt.headless=true -jar "$jar" scenario "$name" "${args[@]}"
