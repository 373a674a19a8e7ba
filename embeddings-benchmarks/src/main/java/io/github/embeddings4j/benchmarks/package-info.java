/**
 * JMH suites. Every benchmark checks its own result once in its setup, so a wrong kernel fails
 * the run instead of just looking fast. Run them with {@code java -jar
 * embeddings-benchmarks/target/benchmarks.jar}.
 */
package io.github.embeddings4j.benchmarks;
