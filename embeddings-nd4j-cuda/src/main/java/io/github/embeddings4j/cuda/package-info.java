/**
 * embeddings4j on ND4J's CUDA backend. Depending on {@code embeddings-nd4j-cuda} instead of (or
 * beside) {@code embeddings-core} puts ND4J's CUDA backend on the class path; {@link
 * io.github.embeddings4j.core.backend.Backends} then decides before ND4J starts whether it may be
 * used: on a supported NVIDIA GPU it is, and on a machine without one, or with a GPU that ND4J
 * 1.0.0-M2.1 has no kernels for (compute capability above 8.6: Ada, Hopper and newer), everything
 * runs on the CPU backend instead of failing. {@link io.github.embeddings4j.cuda.CheckGpu} checks
 * a machine: what was chosen and why, and whether the GPU's results agree with the CPU's.
 */
package io.github.embeddings4j.cuda;
