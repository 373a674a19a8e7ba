/**
 * Dimensionality reduction and binarisation: {@link io.github.embeddings4j.core.reduce.Pca}
 * (principal component analysis, a {@link io.github.embeddings4j.api.Reducer}) and encoders that
 * turn float vectors into packed binary codes for Hamming search ({@link
 * io.github.embeddings4j.core.reduce.ThresholdBinarizer}, learnt per-dimension thresholds, and
 * {@link io.github.embeddings4j.core.reduce.SimHash}, random hyperplanes). Everything fitted here
 * is immutable and saves to an {@link io.github.embeddings4j.core.io.SdkFile} container.
 */
package io.github.embeddings4j.core.reduce;
