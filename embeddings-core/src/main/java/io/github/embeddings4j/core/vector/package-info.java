/**
 * Vector arithmetic: the kernels behind every metric on {@code float[]} and on packed bits, on
 * the JDK Vector API when the JVM runs with {@code --add-modules jdk.incubator.vector} and in
 * plain Java otherwise, all through one facade, {@link
 * io.github.embeddings4j.core.vector.VectorMath}.
 */
package io.github.embeddings4j.core.vector;
