/**
 * Service-provider interface for the arithmetic behind {@link
 * io.github.embeddings4j.api.StandardMetric}: implement {@link
 * io.github.embeddings4j.api.spi.VectorKernels} and register it in {@code
 * META-INF/services/io.github.embeddings4j.api.spi.VectorKernels} to make the built-in metrics
 * faster. Application code never needs this package.
 */
package io.github.embeddings4j.api.spi;
