package io.github.embeddings4j.spark;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.core.embed.NetworkEmbedder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The embedders of this JVM, one per {@link EmbedderSpec}. Spark runs many tasks (partitions)
 * in each executor JVM, concurrently; building the network once and sharing it (a {@link
 * NetworkEmbedder}, zoo or ONNX, is safe for concurrent use: it keeps a pool of network copies
 * or one shared session) avoids loading the weights for every partition, which for ResNet50
 * costs seconds and 100 MB each time.
 */
final class ExecutorEmbedders {

  private static final Map<EmbedderSpec, NetworkEmbedder> EMBEDDERS = new ConcurrentHashMap<>();
  private static final Map<EmbedderSpec, AtomicInteger> BUILDS = new ConcurrentHashMap<>();

  static {
    // Free the networks' off-heap memory when the executor stops.
    Runtime.getRuntime().addShutdownHook(new Thread(ExecutorEmbedders::closeAll,
        "embeddings4j-close-embedders"));
  }

  private ExecutorEmbedders() {}

  /**
   * The embedder of a spec, built on first use. Concurrent first callers wait for the one build
   * (the map locks the key while the function runs). A build that fails is not cached, so a
   * retried task tries again.
   */
  static NetworkEmbedder get(EmbedderSpec spec) {
    return EMBEDDERS.computeIfAbsent(spec, s -> {
      try {
        NetworkEmbedder e = s.build();
        BUILDS.computeIfAbsent(s, k -> new AtomicInteger()).incrementAndGet();
        return e;
      } catch (EmbeddingException e) {
        throw new IllegalStateException("cannot build the embedder " + s + ": " + e.getMessage(),
            e);
      }
    });
  }

  /** How many times this JVM has built an embedder for a spec (tests check "once per JVM"). */
  static int builds(EmbedderSpec spec) {
    AtomicInteger n = BUILDS.get(spec);
    return n == null ? 0 : n.get();
  }

  static void closeAll() {
    for (EmbedderSpec s : EMBEDDERS.keySet()) {
      NetworkEmbedder e = EMBEDDERS.remove(s);
      if (e != null) {
        e.close();
      }
    }
  }
}
