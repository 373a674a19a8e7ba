#!/usr/bin/env bash
# The graph-index measurements of issue #19 on a quiet machine, one JSON line per point in
# embeddings-benchmarks/results/ann/*.jsonl (the Python peers' script plots them beside hnswlib
# and FAISS). Builds the benchmarks jar first (JDK 17: Lucene 9 is the Lucene peer).
#
#   embeddings-benchmarks/bin/ann-curve.sh [fashion|random|memory|all]
#
# fashion: Fashion-MNIST 60,000 / 10,000, M 16, efC 200, one build and one search thread;
#          embeddings4j, Lucene HNSW and JVector; then the same build on all cores (build time).
# random:  seeded clustered 100k x 512 and 1M x 512 (1,000 Gaussian clusters; 10,000 queries),
#          float and int8 (re-rank 0 and 4), q/s on one thread and on all cores.
# memory:  the same 100k / 1M builds in a JVM of their own, rows streamed, resident memory only.
set -euo pipefail
cd "$(dirname "$0")/../.."
what=${1:-all}
out=embeddings-benchmarks/results/ann
mkdir -p "$out"
mvn -B -q -o -DskipDocs -pl embeddings-benchmarks -am package -DskipTests
cores=$(nproc)
# JOPTS: JVM options; the memory runs let the heap shrink after their GC (no -Xms, low free
# ratios), so that VmRSS is what the index holds and not the garbage of the build.
run() {
  # shellcheck disable=SC2086
  java --add-modules jdk.incubator.vector ${JOPTS:--Xms48g -Xmx48g} \
    -cp embeddings-benchmarks/target/benchmarks.jar io.github.embeddings4j.benchmarks.AnnCurve \
    --cache embeddings-benchmarks/target/ann-cache "$@"
}
efs=10,12,16,20,24,32,40,48,64,80,96,128,160,256,384,512
if [[ $what == fashion || $what == all ]]; then
  run --dataset fashion-mnist --threads 1 --ef $efs \
    --libraries embeddings4j,lucene,jvector | tee "$out/fashion-mnist-1thread.jsonl"
  run --dataset fashion-mnist --threads "$cores" --ef 16,32,64,128 \
    --libraries embeddings4j,jvector | tee "$out/fashion-mnist-${cores}threads.jsonl"
fi
if [[ $what == random || $what == all ]]; then
  for n in 100000 1000000; do
    run --dataset random:$n:512 --threads "$cores" --ef $efs --all-threads \
      | tee "$out/random-$n-512-float.jsonl"
    run --dataset random:$n:512 --threads "$cores" --ef $efs --all-threads \
      --compression int8 --rerank 0,4 | tee "$out/random-$n-512-int8.jsonl"
  done
fi
if [[ $what == memory || $what == all ]]; then
  for n in 100000 1000000; do
    for c in none int8; do
      JOPTS="-Xmx48g -XX:MinHeapFreeRatio=5 -XX:MaxHeapFreeRatio=10" \
        run --dataset random:$n:512 --threads "$cores" --memory --compression $c \
        | tee -a "$out/memory.jsonl"
    done
  done
fi
