#!/usr/bin/env bash
# The GPU check: runs embeddings-gpu's tests, and the duel with PyTorch, on a machine that has an
# NVIDIA GPU with CUDA 13 but no Java.
#
#   scripts/gpu-check.sh prepare          # here (a JDK 17+ and Maven): writes target/gpu-check,
#                                         # a jlink runtime and the jars, about 45 MB
#   scripts/gpu-check.sh run [--quick]    # there: the GPU tests, then (without --quick) the
#                                         # duel; logs and JSON lines under $OUT (or target/gpu-check/out)
#
# Only target/gpu-check travels; the GPU machine needs libcuda (the driver) and CUDA 13's
# libcudart, libcublas and libnvrtc, found through ldconfig, /usr/local/cuda or PyTorch's
# nvidia-* Python packages. docs/gpu.md shows a run's output.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir=target/gpu-check

prepare() {
  command -v jlink >/dev/null || { echo "gpu-check: jlink not found: run prepare with a JDK 17+" >&2; exit 1; }
  rm -rf "$dir"
  mkdir -p "$dir/lib"
  echo "gpu-check: building embeddings-api, -core and -gpu" >&2
  mvn -B -q -ntp -DskipDocs -DskipTests -pl embeddings-gpu -am package
  for m in embeddings-api embeddings-core embeddings-gpu; do
    cp "$m/target/$m-0.1.0-SNAPSHOT.jar" "$dir/lib/"
  done
  (cd embeddings-gpu/target/test-classes && jar cf "../../../$dir/lib/embeddings-gpu-tests.jar" .)
  # The test classes to run: every *Test but ClassPathTest (about ND4J, which is not carried)
  # and KernelEmulationTest (the kernels on the CPU, which needs the sources and g++).
  (cd embeddings-gpu/target/test-classes && find . -name '*Test.class' ! -name 'ClassPathTest.class' \
    ! -name 'KernelEmulationTest.class' \
    | sed 's|^\./||; s|\.class$||; s|/|.|g' | sort) > "$dir/tests.txt"
  local m2="${MAVEN_REPO:-$HOME/.m2/repository}"
  local artifacts=(
    org.bytedeco:javacpp:1.5.13 org.bytedeco:javacpp:1.5.13:jar:linux-x86_64
    org.bytedeco:cuda:13.1-9.19-1.5.13 org.bytedeco:cuda:13.1-9.19-1.5.13:jar:linux-x86_64
    org.slf4j:slf4j-api:2.0.17 org.slf4j:slf4j-simple:2.0.17
    org.junit.platform:junit-platform-console-standalone:1.14.1)
  for a in "${artifacts[@]}"; do
    mvn -B -q -ntp dependency:copy -Dartifact="$a" -DoutputDirectory="$dir/lib" >/dev/null
  done
  # The CUDA preset's natives hold 27 bindings (33 MB unpacked); keep the four the index and
  # `backend` use: cudart (with the driver API), cuBLAS, NVRTC and cuDNN.
  python3 - "$dir/lib/cuda-13.1-9.19-1.5.13-linux-x86_64.jar" <<'PY'
import os, sys, zipfile
src = sys.argv[1]
keep = ("jnicudart", "jnicublas", "jninvrtc", "jnicudnn")
tmp = src + ".tmp"
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        name = item.filename
        if (name.endswith(".so") or "/native-image/" in name) and not any(k in name for k in keep):
            continue
        zout.writestr(item, zin.read(name))
os.replace(tmp, src)
PY
  jlink --add-modules java.base,java.logging,java.xml,java.management,jdk.unsupported,jdk.incubator.vector \
    --strip-debug --no-man-pages --no-header-files --compress=2 --output "$dir/jre" 2>/dev/null \
    || jlink --add-modules java.base,java.logging,java.xml,java.management,jdk.unsupported,jdk.incubator.vector \
      --strip-debug --no-man-pages --no-header-files --output "$dir/jre"
  echo "gpu-check: $(du -sh "$dir" | cut -f1) in $dir ($(wc -l < "$dir/tests.txt") test classes)" >&2
}

cuda_library_path() {
  # CUDA 13's libraries: ldconfig first, then the usual folders and PyTorch's wheels.
  local dirs=()
  for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/cuda-13*/lib64; do
    [ -d "$d" ] && dirs+=("$d")
  done
  if command -v python3 >/dev/null; then
    while IFS= read -r d; do dirs+=("$d"); done < <(python3 - <<'PY' 2>/dev/null || true
import glob, os
try:
    import nvidia
    for root in nvidia.__path__:
        for lib in sorted(glob.glob(os.path.join(root, "*", "lib"))):
            print(lib)
except Exception:
    pass
PY
)
  fi
  local IFS=:
  echo "${dirs[*]}"
}

run() {
  local quick=0
  [ "${1:-}" = "--quick" ] && quick=1
  [ -x "$dir/jre/bin/java" ] || { echo "gpu-check: $dir/jre missing: run 'scripts/gpu-check.sh prepare' first" >&2; exit 1; }
  local out="${OUT:-$dir/out}"
  mkdir -p "$out"
  export LD_LIBRARY_PATH="$(cuda_library_path)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  local java=("$dir/jre/bin/java" --add-modules jdk.incubator.vector -cp "$dir/lib/*")
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv | tee "$out/nvidia-smi.txt"
  local selectors=()
  while IFS= read -r c; do selectors+=(--select-class "$c"); done < "$dir/tests.txt"
  local status=0
  echo "== GPU tests" >&2
  timeout 300 "${java[@]}" -Xmx8g org.junit.platform.console.ConsoleLauncher execute \
    "${selectors[@]}" --reports-dir "$out/junit" --details=tree --disable-banner 2>&1 \
    | tee "$out/tests.log" || status=$?
  [ "$quick" = 1 ] && return $status
  local duel=(-Xmx48g io.github.embeddings4j.gpu.GpuSearchDuel --rows 1000000 --dim 512
    --queries 10000 --k 10 --rounds 5 --storages float32,float16 --check 50)
  local torch=(embeddings-benchmarks/bin/gpu_knn_torch.py --rows 1000000 --dim 512
    --queries 10000 --k 10 --rounds 5 --dtypes float32,float16)
  for round in 1 2; do
    echo "== duel round $round: embeddings4j, then PyTorch" >&2
    timeout 240 "${java[@]}" "${duel[@]}" --out "$out/duel.jsonl" || status=$?
    timeout 120 python3 "${torch[@]}" --out "$out/duel.jsonl" || status=$?
  done
  echo "== 10M x 512: float16 with re-rank against the float32 answer" >&2
  timeout 300 "${java[@]}" -Xmx60g io.github.embeddings4j.gpu.GpuSearchDuel --rows 10000000 \
    --dim 512 --queries 10000 --k 10 --rounds 3 --storages float32,float16 --check 5 \
    --out "$out/duel-10m.jsonl" || status=$?
  python3 - "$out/duel.jsonl" "$out/duel-10m.jsonl" <<'PY' | tee "$out/summary.md"
import json, os, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("| storage | embeddings4j s | PyTorch s | ratio (median of paired rounds) | same as CPU |")
print("|---|---|---|---|---|")
for s in ("float32", "float16"):
    ours = [r for r in rows if r["peer"] == "embeddings4j" and r["storage"] == s]
    theirs = [r for r in rows if r["peer"] == "pytorch" and r["storage"] == s]
    pairs = [o["seconds_median"] / t["seconds_median"] for o, t in zip(ours, theirs)]
    if pairs:
        print(f"| {s} | {statistics.median(o['seconds_median'] for o in ours):.4f} | "
              f"{statistics.median(t['seconds_median'] for t in theirs):.4f} | "
              f"{statistics.median(pairs):.2f} | {ours[-1]['same_as_cpu']} |")
if os.path.exists(sys.argv[2]):
    for r in (json.loads(l) for l in open(sys.argv[2]) if l.strip()):
        print(f"\n10M x 512 {r['storage']}: {r['seconds_median']:.3f} s "
              f"(GPU part {r['gpu_seconds_median']:.3f} s), recall@{r['k']} against float32 "
              f"{r['recall_vs_float32']:.6f}, same as CPU {r['same_as_cpu']}")
PY
  return $status
}

case "${1:-}" in
  prepare) prepare ;;
  run) shift; run "$@" ;;
  *) sed -n '2,13p' "$0" >&2; exit 2 ;;
esac
