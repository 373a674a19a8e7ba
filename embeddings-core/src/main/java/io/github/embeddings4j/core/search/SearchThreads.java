package io.github.embeddings4j.core.search;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;

/**
 * The threads searches run on: one pool of daemon threads, as many as processors, shared by
 * every index and created on first use. Not the common pool, whose parallelism is one less than
 * the processor count (one thread on a two-core machine).
 */
final class SearchThreads {

  private SearchThreads() {}

  private static final class Holder {
    static final ForkJoinPool POOL = new ForkJoinPool(Runtime.getRuntime().availableProcessors());
  }

  static int defaultParallelism() {
    return Runtime.getRuntime().availableProcessors();
  }

  /** Runs the tasks, the last on the calling thread, and returns when all are done. */
  static void runAll(List<Runnable> tasks) {
    if (tasks.size() == 1) {
      tasks.get(0).run();
      return;
    }
    List<Future<?>> futures = new ArrayList<>(tasks.size() - 1);
    for (int i = 0; i < tasks.size() - 1; i++) {
      futures.add(Holder.POOL.submit(tasks.get(i)));
    }
    RuntimeException failure = null;
    try {
      tasks.get(tasks.size() - 1).run();
    } catch (RuntimeException e) {
      failure = e;
    }
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while searching", e);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (failure == null) {
          failure = cause instanceof RuntimeException re ? re
              : new IllegalStateException("search task failed", cause);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
