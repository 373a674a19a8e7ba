/**
 * Clustering: {@link io.github.embeddings4j.core.cluster.KMeans}, Lloyd's k-means with
 * k-means++ seeding, seeded and repeatable, with a multi-threaded assignment step, saved to an
 * {@link io.github.embeddings4j.core.io.SdkFile} container.
 */
package io.github.embeddings4j.core.cluster;
