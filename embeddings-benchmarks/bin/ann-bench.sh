#!/usr/bin/env bash
# Recall/queries-per-second curves of the graph index against hnswlib and FAISS (issue 19), then
# the "Approximate search" section of docs/BENCHMARKS.md and its plot.
#
#   embeddings-benchmarks/bin/ann-bench.sh fashion|random1m [--n N] [--queries Q] [--threads T]
#       [--ef 10,20,...] [--repeats R]
#
# Steps, one after the other in this session (an ANN sweep takes minutes, too long to alternate
# round by round; each point's queries/s is the median of R query passes):
#   1. build the benchmarks jar (skipped with SKIP_BUILD=1), as run-both.sh does;
#   2. ann_peers.py --prepare-only: the dataset and its exact top 10 into a folder of
#      results/cache/ (base.npy, queries.npy, gt-ids.npy, gt-dist.npy, info.json);
#   3. ours: java -cp benchmarks.jar $ANN_CLASS --data FOLDER --name DATASET [--threads T]
#      [--ef LIST] [--repeats R] --libraries $ANN_LIBRARIES (ANN_JAVA_ARGS replaces the
#      options), its JSON lines to results/ann/<name>-embeddings4j.jsonl;
#   4. the peers: ann_peers.py, to results/ann/<name>-peers.jsonl;
#   5. ann_report.py over every results/ann/*.jsonl into docs/BENCHMARKS.md and docs/img/.
# A step that fails is reported and the others still run; the exit status is then 1.
#
# Environment: ANN_CLASS (default io.github.embeddings4j.benchmarks.AnnCurve), PYTHON (the
# Python with numpy, hnswlib, faiss and matplotlib; default /usr/bin/python3), JAVA (default:
# java on the PATH), JDKS (JDK folders, space-separated: step 1 and 3 then run once per JDK, each
# with its own build, so that the JDK 21+ build's Lucene 10 uses its SIMD path; the files are
# <name>-jdk<N>-embeddings4j.jsonl; JAVA and SKIP_BUILD are then not used), ANN_LIBRARIES (the
# Java side's libraries, default embeddings4j; e.g. embeddings4j,lucene,jvector), XMX (heap;
# default 4g for fashion, 12g for random1m), SKIP_BUILD=1,
# PEERS (default hnswlib,faiss); ANN_RESULTS, ANN_CACHE, ANN_PAGE, ANN_IMG (where the JSONL
# files, the cache, the page and the plots go; defaults below; for trial runs elsewhere).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ $# -lt 1 ] || { [ "$1" != fashion ] && [ "$1" != random1m ]; }; then
  echo "usage: $0 fashion|random1m [--n N] [--queries Q] [--threads T] [--ef LIST] [--repeats R]" >&2
  exit 2
fi
dataset=$1
shift
ANN_CLASS=${ANN_CLASS:-io.github.embeddings4j.benchmarks.AnnCurve}
PYTHON=${PYTHON:-/usr/bin/python3}
JAVA=${JAVA:-java}
if [ "$dataset" = fashion ]; then XMX=${XMX:-4g}; else XMX=${XMX:-12g}; fi
bin=embeddings-benchmarks/bin
results=${ANN_RESULTS:-embeddings-benchmarks/results/ann}
cache=${ANN_CACHE:-embeddings-benchmarks/results/cache}
page=${ANN_PAGE:-docs/BENCHMARKS.md}
img=${ANN_IMG:-docs/img}
jar=embeddings-benchmarks/target/benchmarks.jar

# The file names follow the subset and build threads: fashion, fashion-t2, random1m-n100000,
# ... The Java program gets the data folder and the options both sides share (--threads, --ef,
# --repeats); the peers' own (--no-batch, --batch-threads, --libraries, --seed) go to
# ann_peers.py only.
name=$dataset
args=("$@")
shared=()
for ((i = 0; i < ${#args[@]}; i++)); do
  case ${args[i]} in
    --n) name+="-n${args[i + 1]:-}" ;;
    --queries) name+="-q${args[i + 1]:-}" ;;
    --threads) name+="-t${args[i + 1]:-}" ;;
  esac
  case ${args[i]} in
    --threads | --ef | --repeats) shared+=("${args[i]}" "${args[i + 1]:-}"); ((++i)) ;;
  esac
done
mkdir -p "$results"
ours=$results/$name-embeddings4j.jsonl
peers=$results/$name-peers.jsonl
failed=()

data=$("$PYTHON" "$bin/ann_peers.py" --dataset "$dataset" --cache "$cache" "$@" --prepare-only)
if [ -n "${ANN_JAVA_ARGS:-}" ]; then
  # shellcheck disable=SC2206  # word splitting of the override is wanted
  java_args=($ANN_JAVA_ARGS)
else
  java_args=(--data "$data" --name "$(basename "$data")" ${shared[@]+"${shared[@]}"}
    --libraries "${ANN_LIBRARIES:-embeddings4j}")
fi

# run_java JAVA JAR OUT: the Java side on one JVM. It prints one JSON line per point on stdout;
# other lines are skipped by the report. OUT is replaced only when the run succeeds.
run_java() {
  echo "== ours: $ANN_CLASS on $1" >&2
  if ! "$1" --add-modules jdk.incubator.vector "-Xmx$XMX" -cp "$2" "$ANN_CLASS" \
      "${java_args[@]}" | tee "$3.tmp"; then
    failed+=("ours ($ANN_CLASS on $1): see its output above; $3 left as it was")
    rm -f "$3.tmp"
  else
    mv "$3.tmp" "$3"
  fi
}

if [ -n "${JDKS:-}" ]; then
  # Each JDK builds its own jar (the JDK 21+ build swaps Lucene 9 for 10), kept apart by name.
  for home in $JDKS; do
    major=$("$home/bin/java" -XshowSettings:properties -version 2>&1 \
      | sed -n 's/^ *java.specification.version = //p')
    JAVA_HOME=$home mvn -B -q -o -DskipDocs -pl embeddings-benchmarks -am package -DskipTests
    cp "$jar" "${jar%.jar}-jdk$major.jar"
    run_java "$home/bin/java" "${jar%.jar}-jdk$major.jar" "$results/$name-jdk$major-embeddings4j.jsonl"
  done
else
  if [ "${SKIP_BUILD:-0}" != 1 ]; then
    mvn -B -q -o -DskipDocs -pl embeddings-benchmarks -am package -DskipTests
  fi
  run_java "$JAVA" "$jar" "$ours"
fi

echo "== peers: ${PEERS:-hnswlib,faiss}" >&2
rm -f "$peers.tmp"
if ! "$PYTHON" "$bin/ann_peers.py" --dataset "$dataset" --cache "$cache" \
    --libraries "${PEERS:-hnswlib,faiss}" "$@" --out "$peers.tmp"; then
  failed+=("peers: see ann_peers.py's FAILED lines above")
fi
# Whatever the peers measured is kept, even when one of them failed.
if [ -s "$peers.tmp" ]; then mv "$peers.tmp" "$peers"; else rm -f "$peers.tmp"; fi

shopt -s nullglob
"$PYTHON" "$bin/ann_report.py" "$results"/*.jsonl --out "$page" --img "$img" \
  || failed+=("report: ann_report.py failed")

if [ ${#failed[@]} -gt 0 ]; then
  printf 'ann-bench.sh: FAILED %s\n' "${failed[@]}" >&2
  exit 1
fi
