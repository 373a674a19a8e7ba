/**
 * JMH suites. Every benchmark checks its own result once in its setup, so a wrong kernel fails
 * the run instead of just looking fast. Run them with {@code java -jar
 * embeddings-benchmarks/target/benchmarks.jar}.
 *
 * <p>This module is also the library's lab: {@link io.github.embeddings4j.benchmarks.Experiments}
 * writes docs/RESULTS.md, and the measurement programs behind the tables of docs/vector-math.md
 * and docs/reduce-and-cluster.md ({@code BatchCrossover}, {@code ScanThroughput}, {@code
 * FashionMnistKnn}, {@code ReduceAndClusterFigures}) sit here in the package of the code they
 * measure, because they force routes the library keeps package-private (which works on the class
 * path, where a package may span jars). Run them with {@code java -cp
 * embeddings-benchmarks/target/benchmarks.jar <class> [arguments]}.
 */
package io.github.embeddings4j.benchmarks;
