package io.github.embeddings4j.core.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.classify.KnnClassifier;
import io.github.embeddings4j.core.io.NpyWriter;
import io.github.embeddings4j.core.reduce.Pca;
import io.github.embeddings4j.core.reduce.ThresholdBinarizer;
import io.github.embeddings4j.core.search.BinaryIndex;
import io.github.embeddings4j.core.search.FlatIndex;
import io.github.embeddings4j.core.zoo.Weights;
import io.github.embeddings4j.core.zoo.ZooEmbedder;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eight threads embedding, reducing, binarising, searching and classifying through shared
 * objects get exactly the results of serial use, finish in bounded time, and an index written
 * to while it is searched never shows half of an add.
 */
class ConcurrencyStressTest {

  private static final int THREADS = 8;

  @TempDir Path dir;

  @Test
  void eightThreadsThroughSharedObjectsGetTheSerialResults() throws Exception {
    Random random = new Random(21);
    List<ImageSource> images = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      images.add(ImageSource.of(Corpus.noise(40 + random.nextInt(30), 30 + random.nextInt(30),
          i), "image-" + i));
    }
    // LeNet keeps the stress quick on two cores; three network copies for eight threads, so
    // threads also wait for a free copy.
    try (ZooEmbedder embedder = ZooEmbedder.builder(ZooModel.LENET)
        .weights(Weights.random(4)).networkBatchSize(3).concurrency(3).build()) {
      // Serial answers first: vectors, their reduction and codes, neighbours, classes.
      // One image per call, as the threads will call: a batch of three runs other native code
      // paths whose float sums differ in the last bits.
      List<float[]> vectors = new ArrayList<>();
      for (ImageSource image : images) {
        vectors.add(embedder.embed(image));
      }
      float[][] matrix = vectors.toArray(new float[0][]);
      Pca pca = Pca.fit(matrix, Pca.keep(8));
      ThresholdBinarizer binarizer = ThresholdBinarizer.fit(matrix,
          ThresholdBinarizer.Threshold.MEDIAN);
      FlatIndex index = FlatIndex.builder(embedder.dimension()).metric(StandardMetric.COSINE)
          .threads(2).build();
      BinaryIndex codes = BinaryIndex.builder(binarizer.words()).threads(2).build();
      int[] labels = new int[matrix.length];
      for (int i = 0; i < matrix.length; i++) {
        index.add(i, matrix[i]);
        codes.add(i, binarizer.encode(matrix[i]));
        labels[i] = i % 3;
      }
      KnnClassifier<float[]> knn = KnnClassifier.on(index, id -> labels[(int) id], 5,
          KnnClassifier.Vote.MAJORITY);
      List<float[]> reduced = new ArrayList<>();
      List<List<Neighbor>> neighbours = new ArrayList<>();
      List<List<Neighbor>> hamming = new ArrayList<>();
      int[] classes = new int[matrix.length];
      for (int i = 0; i < matrix.length; i++) {
        reduced.add(pca.reduce(matrix[i]));
        neighbours.add(index.search(matrix[i], 5));
        hamming.add(codes.search(binarizer.encode(matrix[i]), 5));
        classes[i] = knn.predict(matrix[i]);
      }

      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      CyclicBarrier start = new CyclicBarrier(THREADS);
      AtomicInteger checked = new AtomicInteger();
      try {
        assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
          List<Future<?>> futures = new ArrayList<>();
          for (int t = 0; t < THREADS; t++) {
            int thread = t;
            futures.add(pool.submit(() -> {
              start.await(); // all at once, for the most contention
              for (int round = 0; round < 3; round++) {
                for (int j = 0; j < images.size(); j++) {
                  int i = (j * 7 + thread * 5 + round) % images.size();
                  String what = "thread " + thread + ", round " + round + ", image " + i;
                  float[] v = embedder.embed(images.get(i));
                  assertArrayEquals(vectors.get(i), v, what); // bit for bit
                  assertArrayEquals(reduced.get(i), pca.reduce(v), 1e-6f, what);
                  assertEquals(neighbours.get(i), index.search(v, 5), what);
                  assertEquals(hamming.get(i), codes.search(binarizer.encode(v), 5), what);
                  assertEquals(classes[i], knn.predict(v), what);
                  checked.incrementAndGet();
                }
              }
              return null;
            }));
          }
          for (Future<?> f : futures) {
            f.get();
          }
        });
      } finally {
        pool.shutdownNow();
      }
      assertEquals(THREADS * 3 * images.size(), checked.get());
    }
  }

  @Test
  void closingTheEmbedderReleasesThreadsWaitingForANetworkCopy() throws Exception {
    // One network copy for six threads: five are always waiting for it when close() comes.
    ZooEmbedder embedder = ZooEmbedder.builder(ZooModel.LENET).weights(Weights.random(2))
        .concurrency(1).build();
    ImageSource image = ImageSource.of(Corpus.noise(28, 28, 1), "one");
    float[] expected = embedder.embed(image);
    ExecutorService pool = Executors.newFixedThreadPool(6);
    CountDownLatch running = new CountDownLatch(6);
    AtomicInteger embedded = new AtomicInteger();
    try {
      List<Future<String>> threads = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        threads.add(pool.submit(() -> {
          running.countDown();
          while (true) {
            try {
              assertArrayEquals(expected, embedder.embed(image));
              embedded.incrementAndGet();
            } catch (IllegalStateException | io.github.embeddings4j.api.EmbeddingException e) {
              return e.getMessage();
            }
          }
        }));
      }
      running.await();
      while (embedded.get() < 12) {
        Thread.sleep(5);
      }
      embedder.close();
      assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
        for (Future<String> f : threads) {
          String why = f.get();
          assertTrue(why.contains("closed"), why);
        }
      }, "threads waiting for a network copy were left hanging by close()");
    } finally {
      pool.shutdownNow();
    }
    assertThrows(IllegalStateException.class, () -> embedder.embed(image));
  }

  @Test
  void searchesDuringAddsSeeTheIndexBeforeOrAfterEachAddNeverHalfOfIt() throws Exception {
    int dim = 24;
    int rows = 4_000;
    Random random = new Random(8);
    float[][] data = new float[rows][dim];
    for (float[] r : data) {
      for (int j = 0; j < dim; j++) {
        r[j] = (float) random.nextGaussian();
      }
    }
    FlatIndex index = FlatIndex.builder(dim).metric(StandardMetric.EUCLIDEAN).threads(2).build();
    AtomicBoolean done = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    CountDownLatch begun = new CountDownLatch(1);
    try {
      assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
        Future<?> writer = pool.submit(() -> {
          for (int i = 0; i < rows; i++) {
            index.add(i, data[i]);
            if (i == 100) {
              begun.countDown();
            }
          }
          done.set(true);
          return null;
        });
        List<Future<Integer>> readers = new ArrayList<>();
        for (int t = 0; t < THREADS - 1; t++) {
          int seed = t;
          readers.add(pool.submit(() -> {
            begun.await();
            Random r = new Random(seed);
            int searches = 0;
            while (!done.get() || searches < 20) {
              int qi = r.nextInt(rows);
              int size = index.size();
              List<Neighbor> got = index.search(data[qi], 4);
              assertEquals(4, got.size());
              // Every answer is exact over the rows added so far: true distances, and no row
              // added before the search began is closer than the answer's worst.
              for (Neighbor n : got) {
                double truth = StandardMetric.EUCLIDEAN.distance(data[qi], data[(int) n.id()]);
                assertEquals(truth, n.distance(), 1e-4, "distance of " + n);
              }
              double worst = got.get(got.size() - 1).distance();
              java.util.Set<Long> ids = new java.util.HashSet<>();
              got.forEach(n -> ids.add(n.id()));
              for (int i = 0; i < size; i++) {
                if (StandardMetric.EUCLIDEAN.distance(data[qi], data[i]) < worst - 1e-4) {
                  assertTrue(ids.contains((long) i), "row " + i + " is closer than " + got);
                }
              }
              searches++;
            }
            return searches;
          }));
        }
        writer.get();
        for (Future<Integer> f : readers) {
          assertTrue(f.get() >= 20);
        }
      });
    } finally {
      pool.shutdownNow();
    }
    assertEquals(rows, index.size());
  }

  @Test
  void anNpyWriterUsedByTwoThreadsAtOnceFailsFast() throws Exception {
    // NpyWriter is documented as not thread-safe; two writers interleaving rows would corrupt
    // the matrix silently, so concurrent use is detected and refused.
    try (NpyWriter w = NpyWriter.open(dir.resolve("shared.npy"), 4096)) {
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      CyclicBarrier start = new CyclicBarrier(THREADS);
      AtomicInteger refused = new AtomicInteger();
      try {
        assertTimeoutPreemptively(Duration.ofMinutes(1), () -> {
          List<Future<?>> futures = new ArrayList<>();
          for (int t = 0; t < THREADS; t++) {
            futures.add(pool.submit(() -> {
              start.await();
              float[] row = new float[4096];
              for (int i = 0; i < 2_000 && refused.get() == 0; i++) {
                try {
                  w.write(row);
                } catch (ConcurrentModificationException e) {
                  assertTrue(e.getMessage().contains("not thread-safe"), e.getMessage());
                  refused.incrementAndGet();
                }
              }
              return null;
            }));
          }
          for (Future<?> f : futures) {
            f.get();
          }
        });
      } finally {
        pool.shutdownNow();
      }
      assertTrue(refused.get() > 0, "eight threads writing at once were never caught");
    }
    // Serial use from different threads, one after the other, is fine.
    NpyWriter w = NpyWriter.open(dir.resolve("serial.npy"), 2);
    ExecutorService one = Executors.newSingleThreadExecutor();
    try {
      one.submit(() -> {
        w.write(new float[] {1, 2});
        return null;
      }).get();
      w.write(new float[] {3, 4});
      w.commit();
    } finally {
      one.shutdownNow();
      w.close();
    }
    assertEquals(2, io.github.embeddings4j.core.io.Npy.read(dir.resolve("serial.npy")).length);
    assertThrows(IllegalStateException.class, () -> w.write(new float[] {5, 6}));
  }
}
