/**
 * Labelled datasets on disk: {@link io.github.embeddings4j.core.data.IdxFile} reads the IDX
 * format of MNIST and Fashion-MNIST (plain or gzip) and {@link
 * io.github.embeddings4j.core.data.FashionMnist} finds and loads Fashion-MNIST.
 */
package io.github.embeddings4j.core.data;
