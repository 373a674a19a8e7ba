#!/usr/bin/env bash
# Runs the benchmark suite on JDK 17 (Lucene 9 as the peer) and on JDK 25 (the lucene10 profile:
# Lucene 10 with its Panama path on), then writes docs/BENCHMARKS.md from both runs.
#
#   embeddings-benchmarks/bin/run-both.sh [quick|full]
#
# JDK17 and JDK25 name the two JDKs (defaults: the java on the PATH, and Temurin 25 in
# /usr/lib/jvm). Both builds write embeddings-benchmarks/target, so the JDK 25 build is copied
# aside first and the JDK 17 build is left in place. Results go to
# embeddings-benchmarks/results/jdk<N>-<profile>. ONLY17 / ONLY25, when set, are passed as
# --only to that JDK's run (e.g. ONLY25='MachineLimits|Kernel|Scan|BatchSearch|KMeans' to skip
# the native-bound PCA and embedders, whose speed does not depend on the JDK).
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=${1:-quick}
jdk17=${JDK17:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
jdk25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
results=embeddings-benchmarks/results
build() {
  rm -rf embeddings-benchmarks/target
  JAVA_HOME=$1 mvn -B -q -o -DskipDocs -pl embeddings-benchmarks -am package -DskipTests
}
aside=$(mktemp -d)
trap 'rm -rf "$aside"' EXIT
build "$jdk25"
cp -r embeddings-benchmarks/target/benchmarks.jar embeddings-benchmarks/target/lib "$aside/"
build "$jdk17"
"$jdk17/bin/java" --add-modules jdk.incubator.vector \
  -jar embeddings-benchmarks/target/benchmarks.jar "$profile" --out "$results/jdk17-$profile" \
  ${ONLY17:+--only "$ONLY17"}
# The copied jar finds its lib/ beside it; the command recorded names the usual path.
"$jdk25/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -jar "$aside/benchmarks.jar" "$profile" --out "$results/jdk25-$profile" \
  ${ONLY25:+--only "$ONLY25"}
python3 embeddings-benchmarks/bin/report.py "$results/jdk17-$profile" "$results/jdk25-$profile" \
  --out docs/BENCHMARKS.md
