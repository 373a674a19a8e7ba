/**
 * Exact nearest-neighbour search on NVIDIA GPUs through CUDA 13: {@link
 * io.github.embeddings4j.gpu.GpuFlatIndex} keeps vectors in GPU memory in float32, float16 or
 * bfloat16 (or streams them), scores them with cuBLAS and measures the candidates exactly, so
 * it answers as {@link io.github.embeddings4j.core.search.FlatIndex} does. {@link
 * io.github.embeddings4j.gpu.GpuDevice} lists the GPUs and the CUDA versions in use.
 */
package io.github.embeddings4j.gpu;
