package io.github.embeddings4j.api;

/**
 * Receives {@link Progress} reports from long work (embedding many images, fitting, training)
 * and the items that failed along the way. Calls come from the worker's thread; keep them quick.
 * An exception thrown by a listener is logged and otherwise ignored: it never stops the work.
 *
 * <pre>{@code
 * ProgressListener bar = p -> System.err.printf("%s %d/%d%n", p.task(), p.completed(), p.total());
 * }</pre>
 */
@FunctionalInterface
public interface ProgressListener {

  /**
   * Called as work advances, at least once at the end.
   *
   * @param progress the state so far
   */
  void onProgress(Progress progress);

  /**
   * Called for each item that failed, before the progress report that counts it.
   *
   * @param error the failure; its message names the item
   */
  default void onFailure(EmbeddingException error) {}

  /**
   * A listener that ignores everything.
   *
   * @return a no-op listener
   */
  static ProgressListener none() {
    return progress -> {};
  }
}
