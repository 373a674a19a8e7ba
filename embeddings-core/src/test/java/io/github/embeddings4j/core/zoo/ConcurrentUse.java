package io.github.embeddings4j.core.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.github.embeddings4j.api.ImageSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** One embedder shared by 8 threads, checked against the vectors of serial use. */
final class ConcurrentUse {

  private ConcurrentUse() {}

  /**
   * Embeds every source three times over from 8 threads at once, one image per call, and
   * checks each vector against {@code serial}.
   */
  static void assertEightThreadsGet(List<float[]> serial, ZooEmbedder embedder,
      List<ImageSource> sources, float tolerance) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<float[]>> futures = new ArrayList<>();
      for (int round = 0; round < 3; round++) {
        for (ImageSource s : sources) {
          futures.add(pool.submit(() -> embedder.embed(s)));
        }
      }
      for (int i = 0; i < futures.size(); i++) {
        assertArrayEquals(serial.get(i % sources.size()), futures.get(i).get(), tolerance,
            "image " + (i % sources.size()));
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
