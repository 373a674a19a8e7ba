#!/usr/bin/env bash
# Builds the fake CUDA libraries (fake_cuda.cpp) into a folder. run-with-fake-cuda.sh uses them
# to run embeddings-gpu's GPU tests on a machine without a GPU. Usage: build-fake-cuda.sh DIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: build-fake-cuda.sh DIR}"
mkdir -p "$out"
flags=(-std=c++20 -O2 -fPIC -shared -pthread -ffp-contract=off)
build() { g++ "${flags[@]}" "-D$1" "-Wl,-soname,$2" -o "$out/$2" "$here/fake_cuda.cpp"; }
build E4J_CUDART libcudart.so.13
build E4J_DRIVER libcuda.so.1
build E4J_CUBLAS libcublas.so.13
build E4J_NVRTC libnvrtc.so.13
echo 'int e4j_fake_cublaslt;' | g++ -x c++ -fPIC -shared -Wl,-soname,libcublasLt.so.13 \
  -o "$out/libcublasLt.so.13" -
