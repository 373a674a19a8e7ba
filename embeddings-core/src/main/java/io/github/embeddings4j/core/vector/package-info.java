/**
 * Vector arithmetic: the kernels behind every metric on {@code float[]} and on packed bits, on
 * the JDK Vector API when the JVM runs with {@code --add-modules jdk.incubator.vector} and in
 * plain Java otherwise ({@link io.github.embeddings4j.core.vector.VectorMath}), and the scoring
 * of many queries against many vectors at once through ND4J matrix products where that is faster
 * ({@link io.github.embeddings4j.core.vector.BatchScorer}).
 */
package io.github.embeddings4j.core.vector;
