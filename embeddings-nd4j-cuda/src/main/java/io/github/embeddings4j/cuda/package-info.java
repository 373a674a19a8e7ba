/**
 * embeddings4j on ND4J's CUDA backend. ND4J 1.0.0-M2.1's CUDA build ({@code nd4j-cuda-11.6})
 * carries kernels for compute capability up to 8.6 and no PTX, so it cannot run on Hopper
 * (H100, H200) or newer GPUs; {@link io.github.embeddings4j.cuda.CudaSupport} says whether a GPU
 * can be used.
 */
package io.github.embeddings4j.cuda;
