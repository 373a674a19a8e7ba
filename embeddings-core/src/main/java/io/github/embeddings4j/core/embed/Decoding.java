package io.github.embeddings4j.core.embed;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * An embedding call's work on all cores: image preparation (decode, resize, crop) for a network
 * batch, and whole network batches when the embedder has several network copies. The forward pass
 * uses every core through ND4J's own threads, but preparing the images ran on the caller's thread
 * alone: for ResNet50 at batch 8 on 2 cores that was a third of the time per batch with one core
 * idle. One pool of daemon threads for the JVM (one per core; they end after 30 idle seconds),
 * shared by all embedders, so that many embedders or caller threads do not multiply threads.
 * The caller's thread takes part, so a batch is never slower than before.
 */
final class Decoding {

  /** The processors, and so the pool's threads. */
  static final int THREADS = Runtime.getRuntime().availableProcessors();
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
   * returns when all are done. Tasks should record their own failures; the first exception a
   * task throws reaches the caller, as it is, after every item has run.
   * Tasks may call this method again (the caller's thread always takes part, so nested calls
   * cannot wait on each other).
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
    // a fixed share of the batch. The caller waits for the items, not for the helpers: a helper
    // still queued behind other calls' work when the items are done finds nothing left and
    // returns, so no call waits on a pool that other calls keep busy.
    AtomicInteger next = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(n);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Runnable worker = () -> {
      for (int i; (i = next.getAndIncrement()) < n; ) {
        try {
          task.accept(i);
        } catch (RuntimeException | Error e) {
          failure.compareAndSet(null, e);
        } finally {
          done.countDown();
        }
      }
    };
    int helpers = Math.min(THREADS, n) - 1;
    for (int h = 0; h < helpers; h++) {
      POOL.execute(worker);
    }
    worker.run();
    boolean interrupted = false;
    while (true) {
      try {
        done.await();
        break;
      } catch (InterruptedException e) {
        // The items are shared with the helpers: finish waiting, then restore the flag.
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    Throwable f = failure.get();
    if (f instanceof RuntimeException re) {
      throw re;
    }
    if (f instanceof Error err) {
      throw err;
    }
  }
}
