#!/usr/bin/env bash
# Two ONNX Runtime releases side by side on the same models: alternated rounds of OrtVersionDuel
# (embeddings-core's test sources), one JVM per release and round with that release's jar in
# place of the build's, the order swapped each round; then the median of the paired ratios B / A
# of images/s per model and batch, and a check that both releases compute the same vectors.
#
#   embeddings-benchmarks/bin/ort-version-duel.sh VERSION_A VERSION_B [ROUNDS] [SECONDS]
#
# e.g. ort-version-duel.sh 1.23.2 1.26.0 5 3. Defaults: 5 rounds, 3 s per model and batch.
# Models: random-weight torchvision networks exported by scripts/onnx/export.py (needs
# python3-torch and python3-torchvision; Debian's are fine) into
# embeddings-benchmarks/results/cache/onnx/ the first time; MODELS overrides the list of
# NAME:BATCH pairs. Both jars come from Maven (dependency:copy). Releases 1.29.0 and later
# start Microsoft's telemetry: this script sets ORT_DISABLE_TELEMETRY=1 for both sides.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ $# -lt 2 ]; then
  echo "usage: $0 VERSION_A VERSION_B [ROUNDS] [SECONDS]" >&2
  exit 2
fi
versions=("$1" "$2")
rounds=${3:-5}
seconds=${4:-3}
PYTHON=${PYTHON:-/usr/bin/python3}
models=${MODELS:-"resnet50:1 resnet50:16 vit_b_16:1 vit_b_16:8 mobilenet_v3_large:1 mobilenet_v3_large:16 efficientnet_b0:1 efficientnet_b0:16 convnext_tiny:1 convnext_tiny:16"}
cache=embeddings-benchmarks/results/cache/onnx
work=embeddings-benchmarks/target/ort-duel
mkdir -p "$cache" "$work"
export ORT_DISABLE_TELEMETRY=1

mvn -B -q -o -DskipDocs -pl embeddings-core -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$PWD/$work/cp.txt" -Dmdep.includeScope=test 2>&1 | sed $'s/\e\\[0m//g' >&2
base=embeddings-core/target/test-classes:embeddings-core/target/classes:embeddings-api/target/classes
base=$base:$(tr ':' '\n' < "$work/cp.txt" | grep -v '/onnxruntime/' | paste -sd: -)
jars=()
for v in "${versions[@]}"; do
  jar=$work/onnxruntime-$v.jar
  if [ ! -f "$jar" ]; then
    mvn -B -q dependency:copy -Dartifact="com.microsoft.onnxruntime:onnxruntime:$v" \
      -DoutputDirectory="$work" 2>&1 | sed $'s/\e\\[0m//g' >&2
  fi
  jars+=("$jar")
done
args=()
for m in $models; do
  name=${m%%:*}
  if [ ! -f "$cache/$name.onnx" ]; then
    echo "exporting $name (random weights) to $cache/$name.onnx" >&2
    "$PYTHON" scripts/onnx/export.py "$name" --random --features -o "$cache/$name.onnx" >&2
  fi
  args+=("$cache/$name.onnx:${m##*:}")
done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((r = 1; r <= rounds; r++)); do
  if ((r % 2)); then order=(0 1); else order=(1 0); fi
  for i in "${order[@]}"; do
    echo "round $r: onnxruntime ${versions[i]}" >&2
    java -Xmx8g -cp "$base:${jars[i]}" io.github.embeddings4j.core.onnx.OrtVersionDuel \
      "$seconds" "${args[@]}" 2>/dev/null \
      | sed -n "s/^{/{\"side\": $i, \"round\": $r, /p" >> "$out"
  done
done
"$PYTHON" - "$out" "${versions[@]}" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
a, b = sys.argv[2], sys.argv[3]
by = {(r["model"], r["batch"], r["round"], r["side"]): r for r in rows}
rounds = sorted({r["round"] for r in rows})
print(f"ONNX Runtime {a} (A) against {b} (B), {len(rounds)} alternated rounds\n")
print(f"| model | batch | img/s {a} | img/s {b} | B/A, median of paired ratios | range |")
print("|---|---:|---:|---:|---:|---|")
differ = []
for model, batch in sorted({(r["model"], r["batch"]) for r in rows}, key=lambda t: (t[0], t[1])):
    pairs = [(by[(model, batch, k, 0)], by[(model, batch, k, 1)]) for k in rounds
             if (model, batch, k, 0) in by and (model, batch, k, 1) in by]
    if not pairs:
        continue
    ratios = [y["images_per_s"] / x["images_per_s"] for x, y in pairs]
    med = lambda s: statistics.median(p[s]["images_per_s"] for p in pairs)
    print(f"| {model} | {batch} | {med(0):.1f} | {med(1):.1f} | {statistics.median(ratios):.3f}"
          f" | {min(ratios):.3f}-{max(ratios):.3f} |")
    x, y = pairs[0]
    scale = max(1e-6, max(abs(v) for v in x["head"]))
    if max(abs(u - v) for u, v in zip(x["head"], y["head"])) > 1e-3 * scale:
        differ.append(f"{model} batch {batch}: {x['head']} against {y['head']}")
print()
print("vectors: " + ("the same to 1e-3 of their scale" if not differ else
                     "DIFFER: " + "; ".join(differ)))
PY
