/**
 * The oneDNN graph executor: a DL4J convolutional network compiled into oneDNN primitives that
 * keep activations in oneDNN's blocked layout, with batch norms, activations and residual
 * additions fused into the convolutions ({@link io.github.embeddings4j.core.zoo.dnnl.DnnlGraph},
 * the package's only entry). The zoo's embedders run a network here when it compiles and agrees
 * with DL4J's own forward pass, and on DL4J otherwise.
 */
package io.github.embeddings4j.core.zoo.dnnl;
