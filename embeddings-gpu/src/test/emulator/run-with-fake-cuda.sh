#!/usr/bin/env bash
# Runs embeddings-gpu's tests against the fake CUDA of fake_cuda.cpp: the Java side of the GPU
# index (memory plans, uploads, offsets, candidate lists, merging, the CPU hand-over) end to
# end, with the kernels on the CPU. Not a GPU test: streams are synchronous and cuBLAS is a
# loop, so it finds logic errors, not missing synchronisation or performance problems.
#   embeddings-gpu/src/test/emulator/run-with-fake-cuda.sh [-Dtest=...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
fake="$root/embeddings-gpu/target/fake-cuda"
"$here/build-fake-cuda.sh" "$fake"
# JavaCPP links the CUDA libraries it preloads into its cache folder: drop those links before
# and after, so that no later run picks up the fake (or a stale real one).
cache="${HOME}/.javacpp/cache"
clean() { find "$cache" -path '*cuda-13*' \( -name 'libcudart.so*' -o -name 'libcublas*.so*' -o -name 'libnvrtc*.so*' -o -name 'libcuda.so*' \) -delete 2>/dev/null || true; }
clean
trap clean EXIT
cd "$root"
LD_LIBRARY_PATH="$fake" mvn -B -o -q -DskipDocs -pl embeddings-gpu -am test \
  -Dsurefire.failIfNoSpecifiedTests=false \
  "-Dtest.jvm.args=--add-modules jdk.incubator.vector -Dorg.bytedeco.javacpp.platform.preloadpath=$fake -Dorg.bytedeco.javacpp.platform.linkpath=$fake" \
  "$@"
