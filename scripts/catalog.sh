#!/usr/bin/env bash
# Builds the catalog service and starts it on embedded defaults: an embedded PostgreSQL in
# ./hotset-data (seeded with HOTSET_SEED_PRODUCTS products on the first start, reused after),
# L1 only unless HOTSET_REDIS_URL is set. Prints the URL when it is ready; Ctrl-C stops it.
# Every HOTSET_* variable of the contract (see hotset-catalog/README.md) is passed through.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v mvn >/dev/null || ! command -v java >/dev/null; then
  echo "hotset: needs a JDK 17+ (java) and Maven 3.8+ (mvn) on PATH" >&2
  exit 1
fi
jar=hotset-catalog/target/hotset-catalog.jar
echo "hotset: building $jar (first build downloads dependencies; later ones take ~30 s)..."
mvn -B -q -ntp -pl hotset-catalog -am package -DskipTests
exec java ${HOTSET_JAVA_OPTS:-} -jar "$jar"
