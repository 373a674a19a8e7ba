package io.github.embeddings4j.core.zoo;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Image preparation (decode, resize, crop) for a network batch on all cores. The forward pass
 * uses every core through ND4J's own threads, but preparing the images ran on the caller's thread
 * alone: for ResNet50 at batch 8 on 2 cores that was a third of the time per batch with one core
 * idle. One pool of daemon threads for the JVM (one per core; they end after 30 idle seconds),
 * shared by all embedders, so that many embedders or caller threads do not multiply threads.
 * The caller's thread takes part, so a batch is never slower than before.
 */
final class Decoding {

  private static final int THREADS = Runtime.getRuntime().availableProcessors();
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final ThreadPoolExecutor POOL = pool();

  private Decoding() {}

  private static ThreadPoolExecutor pool() {
    ThreadPoolExecutor p = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "embeddings4j-decode-" + NAMES.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    p.allowCoreThreadTimeOut(true);
    return p;
  }

  /**
   * Runs {@code task} for {@code 0 <= i < n}, spread over the pool and the caller's thread, and
   * returns when all are done. Tasks must not throw (they record their own failures).
   *
   * @param n the number of items
   * @param task what to do with item {@code i}
   */
  static void forEach(int n, IntConsumer task) {
    if (n <= 1 || THREADS <= 1) {
      for (int i = 0; i < n; i++) {
        task.accept(i);
      }
      return;
    }
    // Items are claimed one at a time from a shared counter, so a slow image does not hold up
    // a fixed share of the batch.
    AtomicInteger next = new AtomicInteger();
    Runnable worker = () -> {
      for (int i; (i = next.getAndIncrement()) < n; ) {
        task.accept(i);
      }
    };
    int helpers = Math.min(THREADS, n) - 1;
    List<Future<?>> futures = new ArrayList<>(helpers);
    for (int h = 0; h < helpers; h++) {
      futures.add(POOL.submit(worker));
    }
    worker.run();
    boolean interrupted = false;
    for (Future<?> f : futures) {
      while (true) {
        try {
          f.get();
          break;
        } catch (InterruptedException e) {
          // The items are shared with the helpers: finish waiting, then restore the flag.
          interrupted = true;
        } catch (ExecutionException e) {
          throw new IllegalStateException("image preparation failed", e.getCause());
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
