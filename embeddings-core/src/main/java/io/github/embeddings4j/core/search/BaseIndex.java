package io.github.embeddings4j.core.search;

import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.NeighborIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * What {@link FlatIndex} and {@link BinaryIndex} share: ids and string keys ({@link
 * EntryIds}), the read-write lock, the checks, and the multi-threaded scan with bounded
 * per-thread heaps merged at the end.
 *
 * <p>Rows are numbered in the order they were added; the subclass stores row {@code r}'s vector
 * and scores ranges of rows against queries.
 *
 * @param <Q> the query and vector type
 */
abstract class BaseIndex<Q> implements NeighborIndex<Q> {

  /** Below this much work (queries x rows x dimension) one thread does it all. */
  private static final long SINGLE_THREAD_WORK = 1L << 18;

  final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  final int threads;
  private final EntryIds entries = new EntryIds();

  BaseIndex(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1: " + threads);
    }
    this.threads = threads;
  }

  /** Checks one vector's or query's dimension; {@code what} names it in the message. */
  abstract void checkVector(Q vector, String what);

  /** The number of scalar operations per row, for deciding whether threads pay off. */
  abstract int rowCost();

  /** Stores a vector as row {@code row} (= the current size); called under the write lock. */
  abstract void appendRow(int row, Q vector);

  /** Per-search data derived from the queries (e.g. their norms); may be null. */
  Object prepare(Q[] queries) {
    return null;
  }

  /**
   * Offers the rows {@code [rowFrom, rowTo)} to the heaps of queries {@code [qFrom, qTo)};
   * {@code heaps[q]} belongs to query {@code q}. Distances offered are ranking distances.
   */
  abstract void scan(Q[] queries, Object prepared, int qFrom, int qTo, int rowFrom, int rowTo,
      TopK[] heaps);

  /** Turns a ranking distance into the metric's distance (e.g. a square root). */
  double finish(double rankingDistance) {
    return rankingDistance;
  }

  /**
   * A faster route for many queries, or null to use the scan; called under the read lock with
   * {@code k <= size}.
   */
  TopK[] searchBatched(Q[] queries, Object prepared, int k) {
    return null;
  }

  /** The number of rows, for callers that hold the lock. */
  final int rowCount() {
    return entries.size();
  }

  final long idOfRow(int row) {
    return entries.idOf(row);
  }

  /**
   * The id of the entry at a row (rows are numbered in the order entries were added), so that
   * callers can export an index, e.g. to another store: with {@link #size()} and the subclass's
   * row accessor it lists every entry.
   *
   * @param row a row number, {@code 0 <= row < size()}
   * @return the entry's id (for string keys, the id {@code add} returned)
   * @throws IndexOutOfBoundsException if the row is not in the index
   */
  public final long idAt(int row) {
    lock.readLock().lock();
    try {
      Objects.checkIndex(row, entries.size());
      return entries.idOf(row);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public final int size() {
    lock.readLock().lock();
    try {
      return entries.size();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Adds with a caller's id. */
  final void addWithId(long id, Q vector) {
    checkVector(vector, "vector");
    lock.writeLock().lock();
    try {
      entries.checkNumeric(id, 1);
      appendRow(entries.size(), vector);
      entries.appendNumeric(id);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Adds with a string key; the id is the row number. */
  final long addWithKey(String key, Q vector) {
    Objects.requireNonNull(key, "key");
    checkVector(vector, "vector");
    lock.writeLock().lock();
    try {
      entries.checkKey(key);
      appendRow(entries.size(), vector);
      return entries.appendKey(key);
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public final Optional<String> key(long id) {
    lock.readLock().lock();
    try {
      return entries.key(id, entries.size());
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The id of a string key.
   *
   * @param key the key
   * @return its id, or empty if no entry has it
   */
  public final Optional<Long> id(String key) {
    lock.readLock().lock();
    try {
      return entries.id(key, entries.size());
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Whether the entries were added with string keys (for saving). */
  final boolean hasStringKeys() {
    return entries.hasStringKeys();
  }

  final String keyOfRow(int row) {
    return entries.keyOf(row);
  }

  @Override
  public final List<Neighbor> search(Q query, int k) {
    Objects.requireNonNull(query, "query");
    @SuppressWarnings("unchecked")
    Q[] one = (Q[]) java.lang.reflect.Array.newInstance(query.getClass(), 1);
    one[0] = query;
    return searchAll(one, k).get(0);
  }

  @Override
  public final List<List<Neighbor>> searchAll(Q[] queries, int k) {
    Objects.requireNonNull(queries, "queries");
    if (k <= 0) {
      throw new IllegalArgumentException("k must be at least 1: " + k);
    }
    for (int q = 0; q < queries.length; q++) {
      checkVector(Objects.requireNonNull(queries[q], "queries[" + q + "]"),
          queries.length == 1 ? "query" : "queries[" + q + "]");
    }
    lock.readLock().lock();
    try {
      List<List<Neighbor>> out = new ArrayList<>(queries.length);
      int size = entries.size();
      if (size == 0 || queries.length == 0) {
        for (int q = 0; q < queries.length; q++) {
          out.add(List.of());
        }
        return out;
      }
      int kk = Math.min(k, size);
      Object prepared = prepare(queries);
      TopK[] heaps = searchBatched(queries, prepared, kk);
      if (heaps == null) {
        heaps = scanAll(queries, prepared, kk);
      }
      for (TopK heap : heaps) {
        List<Neighbor> sorted = heap.toList();
        List<Neighbor> result = new ArrayList<>(sorted.size());
        for (Neighbor n : sorted) {
          result.add(new Neighbor(n.id(), finish(n.distance())));
        }
        out.add(List.copyOf(result));
      }
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The exact scan: split the queries among threads when there are many, else split the rows
   * and merge the per-thread heaps.
   */
  private TopK[] scanAll(Q[] queries, Object prepared, int k) {
    int nq = queries.length;
    int n = entries.size();
    TopK[] heaps = newHeaps(nq, k);
    long work = (long) nq * n * Math.max(1, rowCost());
    int parts = work < SINGLE_THREAD_WORK ? 1 : threads;
    if (parts == 1) {
      scan(queries, prepared, 0, nq, 0, n, heaps);
      return heaps;
    }
    List<Runnable> tasks = new ArrayList<>(parts);
    if (nq >= 4 * parts) {
      for (int p = 0; p < parts; p++) {
        int from = (int) ((long) nq * p / parts);
        int to = (int) ((long) nq * (p + 1) / parts);
        tasks.add(() -> scan(queries, prepared, from, to, 0, n, heaps));
      }
      SearchThreads.runAll(tasks);
      return heaps;
    }
    int rowParts = Math.min(parts, n);
    TopK[][] partial = new TopK[rowParts][];
    for (int p = 0; p < rowParts; p++) {
      int from = (int) ((long) n * p / rowParts);
      int to = (int) ((long) n * (p + 1) / rowParts);
      int part = p;
      tasks.add(() -> {
        TopK[] local = newHeaps(nq, k);
        scan(queries, prepared, 0, nq, from, to, local);
        partial[part] = local;
      });
    }
    SearchThreads.runAll(tasks);
    for (TopK[] local : partial) {
      for (int q = 0; q < nq; q++) {
        heaps[q].addAll(local[q]);
      }
    }
    return heaps;
  }

  static TopK[] newHeaps(int count, int k) {
    TopK[] heaps = new TopK[count];
    for (int i = 0; i < count; i++) {
      heaps[i] = new TopK(k);
    }
    return heaps;
  }
}
