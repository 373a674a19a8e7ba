/**
 * Clustering: {@link io.github.embeddings4j.core.cluster.KMeans}, Lloyd's k-means with
 * k-means++ seeding, seeded and repeatable, with a multi-threaded assignment step, saved to an
 * {@link io.github.embeddings4j.core.io.SdkFile} container;
 * {@link io.github.embeddings4j.core.cluster.KMeansSearch}, which chooses the number of
 * clusters by {@link io.github.embeddings4j.core.cluster.Silhouette silhouette}; and
 * {@link io.github.embeddings4j.core.cluster.Hdbscan}, density-based clustering that finds the
 * number of clusters itself and labels points in no dense region noise.
 */
package io.github.embeddings4j.core.cluster;
