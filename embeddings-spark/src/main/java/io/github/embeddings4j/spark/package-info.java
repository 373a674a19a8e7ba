/**
 * Scale-out on Apache Spark 3.5: the core's embedder, PCA, exact and approximate search and file formats on
 * DataFrames that do not fit one machine.
 *
 * <ul>
 *   <li>{@link io.github.embeddings4j.spark.ImageEmbedder}: a Spark ML {@code Transformer} that
 *       adds an embedding column to a DataFrame of images ({@code binaryFile} rows or paths).
 *       One embedder per executor JVM, rows in batches, a failed image gives a null vector and
 *       an error, never a failed job.
 *   <li>{@link io.github.embeddings4j.spark.EmbeddingPca}: the core's {@code Pca} fitted on a
 *       seeded sample and applied to every row as a pipeline stage
 *       ({@link io.github.embeddings4j.spark.EmbeddingPcaModel}).
 *   <li>{@link io.github.embeddings4j.spark.ExactKnn}: exact k-nearest neighbours of a set of
 *       queries over a partitioned DataFrame; the same results as the core's {@code FlatIndex}.
 *   <li>{@link io.github.embeddings4j.spark.ApproxKnn}: approximate k-nearest neighbours, one
 *       {@code GraphIndex} (HNSW) per partition, built once and cached for many searches
 *       ({@link io.github.embeddings4j.spark.PartitionedGraph}).
 *   <li>{@link io.github.embeddings4j.spark.EmbeddingStore}: Parquet storage (id, path, vector)
 *       and conversions to and from {@code FlatIndex} and {@code .npy} files; one
 *       {@code GraphIndex} of all rows built on the driver.
 *   <li>{@link io.github.embeddings4j.spark.EmbedJob}: the {@code spark-submit} entry point.
 * </ul>
 *
 * <p>Spark is a {@code provided} dependency: the cluster brings it. docs/spark.md says what to
 * ship (the ND4J native jars for the executors' platform) and how to size executors.
 */
package io.github.embeddings4j.spark;
