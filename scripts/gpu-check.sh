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
#
# The sizes of `run` can be changed for a rehearsal (docs/gpu.md, "Rehearsing the check"):
#   GPU_CHECK_ROWS (1000000), GPU_CHECK_LARGE_ROWS (10000000), GPU_CHECK_QUERIES (10000),
#   GPU_CHECK_JAVA_OPTS (more JVM options), GPU_CHECK_TORCH_DEVICE (cuda), GPU_CHECK_TIME_FACTOR
#   (1: multiplies every step's time limit, for slow stand-ins such as the fake CUDA).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir=target/gpu-check

prepare() {
  command -v jlink >/dev/null || { echo "gpu-check: jlink not found: run prepare with a JDK 17+" >&2; exit 1; }
  rm -rf "$dir"
  mkdir -p "$dir/lib"
  echo "gpu-check: building embeddings-api, -core and -gpu" >&2
  # Debian's Maven prints colour resets even in batch mode: dropped (pipefail keeps the status).
  mvn -B -q -ntp -DskipDocs -DskipTests -pl embeddings-gpu -am package 2>&1 | sed $'s/\e\\[0m//g' >&2
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
    mvn -B -q -ntp dependency:copy -Dartifact="$a" -DoutputDirectory="$dir/lib" 2>&1 >/dev/null \
      | sed $'s/\e\\[0m//g' >&2
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

# step NAME SECONDS LOG COMMAND...: runs a step with a time limit, its output shown and added
# to LOG; a failure is logged with its cause (to stderr and $out/steps.txt) and kept in
# $status, and the next step still runs.
step() {
  local name="$1" limit="$2" log="$3" rc=0
  shift 3
  limit=$((limit * ${GPU_CHECK_TIME_FACTOR:-1}))
  set +e
  timeout "$limit" "$@" 2>&1 | tee -a "$log"
  rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" = 124 ]; then
    echo "gpu-check: $name timed out after $limit s" | tee -a "$out/steps.txt" >&2
  elif [ "$rc" != 0 ]; then
    echo "gpu-check: $name failed with status $rc" | tee -a "$out/steps.txt" >&2
  else
    echo "gpu-check: $name passed" >> "$out/steps.txt"
  fi
  [ "$rc" = 0 ] || status=$rc
}

run() {
  local quick=0
  [ "${1:-}" = "--quick" ] && quick=1
  [ -x "$dir/jre/bin/java" ] || { echo "gpu-check: $dir/jre missing: run 'scripts/gpu-check.sh prepare' first" >&2; exit 1; }
  out="${OUT:-$dir/out}"
  mkdir -p "$out"
  : > "$out/steps.txt"
  export LD_LIBRARY_PATH="$(cuda_library_path)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  local java=("$dir/jre/bin/java" --add-modules jdk.incubator.vector ${GPU_CHECK_JAVA_OPTS:-}
    -cp "$dir/lib/*")
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv | tee "$out/nvidia-smi.txt"
  local selectors=()
  while IFS= read -r c; do selectors+=(--select-class "$c"); done < "$dir/tests.txt"
  status=0
  echo "== GPU tests" >&2
  step "the GPU tests" 300 "$out/tests.log" "${java[@]}" -Xmx8g \
    org.junit.platform.console.ConsoleLauncher execute "${selectors[@]}" \
    --reports-dir "$out/junit" --details=tree --disable-banner
  [ "$quick" = 1 ] && return $status
  local rows="${GPU_CHECK_ROWS:-1000000}" large="${GPU_CHECK_LARGE_ROWS:-10000000}"
  local queries="${GPU_CHECK_QUERIES:-10000}"
  local duel=(-Xmx48g io.github.embeddings4j.gpu.GpuSearchDuel --rows "$rows" --dim 512
    --queries "$queries" --k 10 --rounds 5 --storages float32,float16 --check 50)
  local torch=(embeddings-benchmarks/bin/gpu_knn_torch.py --rows "$rows" --dim 512
    --queries "$queries" --k 10 --rounds 5 --dtypes float32,float16
    --device "${GPU_CHECK_TORCH_DEVICE:-cuda}")
  for round in 1 2; do
    echo "== duel round $round: embeddings4j, then PyTorch" >&2
    step "embeddings4j's duel, round $round" 240 "$out/duel.log" "${java[@]}" "${duel[@]}" \
      --out "$out/duel.jsonl"
    step "PyTorch's duel, round $round" 120 "$out/duel.log" python3 "${torch[@]}" \
      --out "$out/duel.jsonl"
  done
  echo "== $large x 512: float16 with re-rank against the float32 answer" >&2
  step "the $large-row run" 300 "$out/duel.log" "${java[@]}" -Xmx60g \
    io.github.embeddings4j.gpu.GpuSearchDuel --rows "$large" --dim 512 --queries "$queries" --k 10 --rounds 3 \
    --storages float32,float16 --check 5 --out "$out/duel-10m.jsonl"
  python3 - "$out/duel.jsonl" "$out/duel-10m.jsonl" <<'PY' | tee "$out/summary.md"
import json, os, statistics, sys

def lines(path):
    return [json.loads(l) for l in open(path) if l.strip()] if os.path.exists(path) else []

def med(xs):
    return statistics.median(xs) if xs else float("nan")

rows = lines(sys.argv[1])
print("| storage | embeddings4j s (GPU part) | PyTorch s | ratio to PyTorch | with sampled threshold / plain scan | pipelined / one piece | same as CPU |")
print("|---|---|---|---|---|---|---|")
for s in ("float32", "float16"):
    ours = [r for r in rows if r["peer"] == "embeddings4j" and r["storage"] == s]
    theirs = [r for r in rows if r["peer"] == "pytorch" and r["storage"] == s]
    if not ours:
        continue
    # Paired by round: the i-th run of each side ran next to each other.
    pairs = [o["seconds_median"] / t["seconds_median"] for o, t in zip(ours, theirs)]
    print(f"| {s} | {med([o['seconds_median'] for o in ours]):.4f} "
          f"({med([o['gpu_seconds_median'] for o in ours]):.4f}) | "
          f"{med([t['seconds_median'] for t in theirs]):.4f} | {med(pairs):.2f} | "
          f"{med([o['filtered_over_plain_scan'] for o in ours]):.3f} | "
          f"{med([o['pipelined_over_one_piece'] for o in ours]):.3f} | "
          f"{', '.join(o['same_as_cpu'] for o in ours)} |")
for r in lines(sys.argv[2]):
    print(f"\n{r['rows']:,} x {r['dim']} {r['storage']}: {r['seconds_median']:.3f} s "
          f"(GPU part {r['gpu_seconds_median']:.3f} s), recall@{r['k']} against float32 "
          f"{r['recall_vs_float32']:.6f}, same as CPU {r['same_as_cpu']}")
PY
  cat "$out/steps.txt" >&2
  return $status
}

case "${1:-}" in
  prepare) prepare ;;
  run) shift; run "$@" ;;
  *) sed -n '2,13p' "$0" >&2; exit 2 ;;
esac
