#!/usr/bin/env bash
# The graph index on two JDKs, side by side: alternated rounds of AnnCurve (ours only) from the
# per-JDK jars that `JDKS=... ann-bench.sh` leaves (target/benchmarks-jdk<N>.jar), then the
# median of the paired ratios B / A of queries/s per ef, and of build time.
#
#   embeddings-benchmarks/bin/ann-jdk-pair.sh JDK_HOME_A JDK_HOME_B [ROUNDS] [EF_LIST]
#
# Defaults: 3 rounds, ef 16,32,64; data: the Fashion-MNIST folder ann_peers.py prepared
# (ANN_DATA to choose another), 2 build threads, 3 passes per point. Each round runs A then B.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ $# -lt 2 ]; then
  echo "usage: $0 JDK_HOME_A JDK_HOME_B [ROUNDS] [EF_LIST]" >&2
  exit 2
fi
homes=("$1" "$2")
rounds=${3:-3}
efs=${4:-16,32,64}
data=${ANN_DATA:-embeddings-benchmarks/results/cache/fashion-mnist-784}
PYTHON=${PYTHON:-/usr/bin/python3}
if [ ! -f "$data/base.npy" ]; then
  echo "$0: no $data/base.npy; run ann_peers.py --dataset fashion --prepare-only first" >&2
  exit 2
fi
jars=()
for home in "${homes[@]}"; do
  major=$("$home/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java.specification.version = //p')
  jar=embeddings-benchmarks/target/benchmarks-jdk$major.jar
  if [ ! -f "$jar" ]; then
    echo "$0: no $jar; build it with JAVA_HOME=$home (or run ann-bench.sh with JDKS)" >&2
    exit 2
  fi
  jars+=("$jar")
done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((r = 1; r <= rounds; r++)); do
  for i in 0 1; do
    echo "round $r: ${homes[i]}" >&2
    "${homes[i]}/bin/java" --add-modules jdk.incubator.vector -Xmx4g -cp "${jars[i]}" \
      io.github.embeddings4j.benchmarks.AnnCurve --data "$data" --name "$(basename "$data")" \
      --threads 2 --ef "$efs" --repeats 3 --libraries embeddings4j 2>/dev/null \
      | sed -n "s/^{/{\"side\": $i, \"round\": $r, /p" >> "$out"
  done
done
"$PYTHON" - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {(r["round"], r["ef"], r["side"]): r for r in rows}
rounds = sorted({r["round"] for r in rows})
java = {r["side"]: r["java"] for r in rows}
print(f"A: {java[0]}  B: {java[1]}  ({len(rounds)} rounds, A then B)")
for ef in sorted({r["ef"] for r in rows}):
    pairs = [(by[(k, ef, 0)]["qps"], by[(k, ef, 1)]["qps"]) for k in rounds]
    print(f"ef {ef}: q/s A/B per round " + ", ".join(f"{a:,.0f}/{b:,.0f}" for a, b in pairs)
          + f"; median B/A {statistics.median(b / a for a, b in pairs):.3f}")
ef0 = min(r["ef"] for r in rows)
builds = [(by[(k, ef0, 0)]["build_s"], by[(k, ef0, 1)]["build_s"]) for k in rounds]
print("build s A/B per round " + ", ".join(f"{a:.1f}/{b:.1f}" for a, b in builds)
      + f"; median B/A {statistics.median(b / a for a, b in builds):.3f}")
PY
