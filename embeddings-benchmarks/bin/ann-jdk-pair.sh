#!/usr/bin/env bash
# The graph index on two JDKs, side by side: alternated rounds of AnnCurve (ours only) from the
# per-JDK jars that `JDKS=... ann-bench.sh` leaves (target/benchmarks-jdk<N>.jar), then the
# median of the paired ratios B / A of queries/s per ef, and of build time.
#
#   embeddings-benchmarks/bin/ann-jdk-pair.sh JDK_HOME_A JDK_HOME_B [ROUNDS] [EF_LIST]
#
# JAVA_OPTS_A and JAVA_OPTS_B add JVM options to one side, so one JDK can be paired with itself,
# e.g. without and with transparent huge pages:
#   JAVA_OPTS_B=-XX:+UseTransparentHugePages ann-jdk-pair.sh "$JAVA_HOME" "$JAVA_HOME" 5
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
read -r -a opts_a <<< "${JAVA_OPTS_A:-}"
read -r -a opts_b <<< "${JAVA_OPTS_B:-}"
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
    if [ "$i" = 0 ]; then opts=("${opts_a[@]}"); else opts=("${opts_b[@]}"); fi
    echo "round $r: ${homes[i]} ${opts[*]}" >&2
    "${homes[i]}/bin/java" --add-modules jdk.incubator.vector -Xmx4g "${opts[@]}" -cp "${jars[i]}" \
      io.github.embeddings4j.benchmarks.AnnCurve --data "$data" --name "$(basename "$data")" \
      --threads 2 --ef "$efs" --repeats 3 --libraries embeddings4j 2>/dev/null \
      | sed -n "s/^{/{\"side\": $i, \"round\": $r, /p" >> "$out"
  done
done
"$PYTHON" - "$out" "${JAVA_OPTS_A:-}" "${JAVA_OPTS_B:-}" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {(r["round"], r["ef"], r["side"]): r for r in rows}
rounds = sorted({r["round"] for r in rows})
java = {r["side"]: r["java"] for r in rows}
opts = [f" {o}" if o else "" for o in sys.argv[2:4]]
print(f"A: {java[0]}{opts[0]}  B: {java[1]}{opts[1]}  ({len(rounds)} rounds, A then B)")
for ef in sorted({r["ef"] for r in rows}):
    pairs = [(by[(k, ef, 0)]["qps"], by[(k, ef, 1)]["qps"]) for k in rounds]
    print(f"ef {ef}: q/s A/B per round " + ", ".join(f"{a:,.0f}/{b:,.0f}" for a, b in pairs)
          + f"; median B/A {statistics.median(b / a for a, b in pairs):.3f}")
ef0 = min(r["ef"] for r in rows)
builds = [(by[(k, ef0, 0)]["build_s"], by[(k, ef0, 1)]["build_s"]) for k in rounds]
print("build s A/B per round " + ", ".join(f"{a:.1f}/{b:.1f}" for a, b in builds)
      + f"; median B/A {statistics.median(b / a for a, b in builds):.3f}")
PY
