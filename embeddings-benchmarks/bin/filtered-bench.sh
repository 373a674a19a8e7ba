#!/usr/bin/env bash
# Filtered search on Fashion-MNIST: the graph and the flat index against FAISS's filtered HNSW,
# on the same data, filters and exact answers.
#
#   embeddings-benchmarks/bin/filtered-bench.sh [QUERIES] [EF_LIST]
#
# Steps, one after the other (never two measurements at once):
#   1. build the benchmarks jar (skipped with SKIP_BUILD=1);
#   2. FilteredCurve --export: ours, and the data, filters and exact answers for the peer, into
#      results/cache/filtered/; its JSON lines to results/filtered/embeddings4j.jsonl;
#   3. filtered_peer.py: FAISS on the exported folder, to results/filtered/faiss.jsonl;
#   4. FilteredCurve again, to results/filtered/embeddings4j-again.jsonl, so that the spread
#      between two runs of ours shows beside the peer's run between them.
# Recall is deterministic; queries/s of the three runs are taken minutes apart, not in
# alternated rounds, so read ratios to the peer as approximate.
#
# Environment: PYTHON (with numpy and faiss; default /usr/bin/python3), JAVA (default java),
# XMX (default 6g), SKIP_BUILD=1, FILTERED_RESULTS (default embeddings-benchmarks/results/filtered).
set -euo pipefail
cd "$(dirname "$0")/../.."
queries=${1:-1000}
efs=${2:-32,64,128}
PYTHON=${PYTHON:-/usr/bin/python3}
JAVA=${JAVA:-java}
XMX=${XMX:-6g}
results=${FILTERED_RESULTS:-embeddings-benchmarks/results/filtered}
cache=embeddings-benchmarks/results/cache/filtered
jar=embeddings-benchmarks/target/benchmarks.jar
mkdir -p "$results" "$cache"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q -o -DskipDocs -pl embeddings-benchmarks -am package -DskipTests
fi
ours() {
  "$JAVA" --add-modules jdk.incubator.vector "-Xmx$XMX" -cp "$jar" \
    io.github.embeddings4j.benchmarks.FilteredCurve --queries "$queries" --ef "$efs" "$@"
}
# Each output goes through a temporary name, so that a failed run leaves the last good file.
ours --export "$cache" > "$results/embeddings4j.jsonl.tmp"
mv "$results/embeddings4j.jsonl.tmp" "$results/embeddings4j.jsonl"
"$PYTHON" embeddings-benchmarks/bin/filtered_peer.py "$cache" --ef "$efs" > "$results/faiss.jsonl.tmp"
mv "$results/faiss.jsonl.tmp" "$results/faiss.jsonl"
ours > "$results/embeddings4j-again.jsonl.tmp"
mv "$results/embeddings4j-again.jsonl.tmp" "$results/embeddings4j-again.jsonl"
echo "results in $results" >&2
