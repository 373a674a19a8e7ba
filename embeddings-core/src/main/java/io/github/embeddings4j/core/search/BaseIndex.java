package io.github.embeddings4j.core.search;

import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.NeighborIndex;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongPredicate;

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

  /**
   * A filtered search scores only the accepted rows when at most one row in this many is
   * accepted. Measured over 60,000 x 784 rows (Fashion-MNIST and random), a gathered row cost
   * 2.3 times a row of the full scan for one query (filter included), 3 to 4 times for 16
   * queries (four-query kernels) and for 256 (matrix products). Break-even came near a share
   * of 0.35 to 0.45 for every query count.
   */
  static final int GATHER_ONE_IN = 3;

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

  /**
   * Drops the stored rows set in {@code removed} of the first {@code rows}, moving the others
   * down in order; called under the write lock, before the ids are compacted.
   */
  abstract void compactRows(BitSet removed, int rows);

  /** Counts removals, so that a copy of the rows elsewhere (a GPU's) knows it is stale. */
  private volatile long generation;

  /** The number of times rows were removed; under the read lock it is stable. */
  final long generation() {
    return generation;
  }

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

  /**
   * Offers the rows {@code rows[from..to)} (increasing row numbers) to the heaps of queries
   * {@code [qFrom, qTo)}, as {@link #scan} does for a range: a filtered search's route when few
   * rows pass its filter.
   */
  abstract void scanRows(Q[] queries, Object prepared, int qFrom, int qTo, int[] rows, int from,
      int to, TopK[] heaps);

  /** Turns a ranking distance into the metric's distance (e.g. a square root). */
  double finish(double rankingDistance) {
    return rankingDistance;
  }

  /**
   * A faster route for many queries, or null to use the scan; called under the read lock with
   * {@code k <= size}. With a {@code rowFilter} (row numbers, not ids) only the rows it passes
   * may be returned.
   */
  TopK[] searchBatched(Q[] queries, Object prepared, int k, LongPredicate rowFilter) {
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

  /**
   * Removes the entry with this id (every entry with it, if it was added more than once): the
   * rows after it move down, keeping their order and their ids, so removing costs about as
   * much as one search (use {@link #removeIf} for many at once). String keys keep their ids
   * too: a key's id is its row number only until a row before it is removed.
   *
   * @param id the id
   * @return whether an entry was removed
   */
  public final boolean remove(long id) {
    return removeRows(n -> {
      if (!entries.hasStringKeys()) {
        return rowsWhere(x -> x == id, n);
      }
      BitSet gone = new BitSet();
      int row = entries.rowOfKeyId(id, n);
      if (row >= 0) {
        gone.set(row);
      }
      return gone;
    }) > 0;
  }

  /**
   * Removes the entry with this key, as {@link #remove(long)} does; the key may be added again,
   * as a new entry with a new id.
   *
   * @param key the key
   * @return whether an entry was removed
   */
  public final boolean remove(String key) {
    Objects.requireNonNull(key, "key");
    return removeRows(n -> {
      BitSet gone = new BitSet();
      entries.id(key, n).ifPresent(id -> gone.set(entries.rowOfKeyId(id, n)));
      return gone;
    }) > 0;
  }

  /**
   * Removes every entry whose id {@code ids} accepts, moving the remaining rows once.
   *
   * @param ids which ids to remove; asked once about each entry, while searches and adds wait
   * @return how many entries were removed
   */
  public final int removeIf(LongPredicate ids) {
    Objects.requireNonNull(ids, "ids");
    return removeRows(n -> rowsWhere(ids, n));
  }

  /** The rows among the first {@code n} whose id {@code ids} accepts. */
  private BitSet rowsWhere(LongPredicate ids, int n) {
    BitSet rows = new BitSet();
    for (int r = 0; r < n; r++) {
      if (ids.test(entries.idOf(r))) {
        rows.set(r);
      }
    }
    return rows;
  }

  /** Drops the rows {@code choose} names among the current ones, under the write lock. */
  private int removeRows(java.util.function.IntFunction<BitSet> choose) {
    lock.writeLock().lock();
    try {
      int n = entries.size();
      return drop(choose.apply(n), n);
    } finally {
      lock.writeLock().unlock();
    }
  }

  private int drop(BitSet gone, int n) {
    if (gone.isEmpty()) {
      return 0;
    }
    compactRows(gone, n);
    generation++;
    return entries.compact(gone);
  }

  /** Adds a loaded entry with its key and the id its file recorded. */
  final void addWithKey(String key, long id, Q vector) {
    addKeyed(key, vector, () -> entries.appendKey(key, id));
  }

  /** Adds with a string key; its id is the next key id (the row number until a removal). */
  final long addWithKey(String key, Q vector) {
    return addKeyed(key, vector, () -> entries.appendKey(key));
  }

  /** Checks, stores the row, then records the key as {@code append} does, under the lock. */
  private long addKeyed(String key, Q vector, java.util.function.LongSupplier append) {
    Objects.requireNonNull(key, "key");
    checkVector(vector, "vector");
    lock.writeLock().lock();
    try {
      entries.checkKey(key);
      appendRow(entries.size(), vector);
      return append.getAsLong();
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

  /**
   * Whether the entries were added with string keys (their ids are then a counter, {@code 0, 1,
   * 2, ...} in the order added) rather than numeric ids.
   *
   * @return whether the index holds string keys
   */
  public final boolean keyed() {
    lock.readLock().lock();
    try {
      return entries.hasStringKeys();
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
    return searchAll(one(query), k, null, "query").get(0);
  }

  /** A query as a batch of one. */
  private Q[] one(Q query) {
    Objects.requireNonNull(query, "query");
    @SuppressWarnings("unchecked")
    Q[] one = (Q[]) java.lang.reflect.Array.newInstance(query.getClass(), 1);
    one[0] = query;
    return one;
  }

  @Override
  public final List<List<Neighbor>> searchAll(Q[] queries, int k) {
    return searchAll(queries, k, null, "queries");
  }

  /**
   * The {@code k} nearest entries among those whose ids {@code filter} accepts (see {@link
   * NeighborIndex#search(Object, int, LongPredicate)}): exact, with the same order and ties as
   * an index holding only those entries. The filter is asked once for each entry, then again
   * for candidates that reach a result list. When at most a third of the entries pass,
   * only those rows are scored; otherwise
   * every row is scored as without a filter and the filter decides which enter the results.
   *
   * @param query the query
   * @param k how many neighbours, at least 1
   * @param filter which ids may be returned
   * @return up to {@code k} accepted neighbours, nearest first
   * @throws IllegalArgumentException if {@code k <= 0} or the query has the wrong dimension
   */
  @Override
  public final List<Neighbor> search(Q query, int k, LongPredicate filter) {
    return searchAll(one(query), k, Objects.requireNonNull(filter, "filter"), "query").get(0);
  }

  /**
   * {@link #search(Object, int, LongPredicate)} for many queries, with one pass of the filter
   * over the entries for all of them.
   *
   * @param queries the queries
   * @param k how many neighbours each, at least 1
   * @param filter which ids may be returned
   * @return one list per query, in order
   * @throws IllegalArgumentException if {@code k <= 0} or a query has the wrong dimension
   */
  @Override
  public final List<List<Neighbor>> searchAll(Q[] queries, int k, LongPredicate filter) {
    return searchAll(queries, k, Objects.requireNonNull(filter, "filter"), "queries");
  }

  private List<List<Neighbor>> searchAll(Q[] queries, int k, LongPredicate filter,
      String what) {
    Objects.requireNonNull(queries, what);
    if (k <= 0) {
      throw new IllegalArgumentException("k must be at least 1: " + k);
    }
    for (int q = 0; q < queries.length; q++) {
      checkVector(Objects.requireNonNull(queries[q], "queries[" + q + "]"),
          queries.length == 1 ? "query" : "queries[" + q + "]");
    }
    lock.readLock().lock();
    try {
      int size = entries.size();
      long[] accepted = null;
      int count = size;
      if (filter != null && size > 0 && queries.length > 0) {
        accepted = new long[(size + 63) >>> 6];
        count = 0;
        for (int r = 0; r < size; r++) {
          if (filter.test(entries.idOf(r))) {
            accepted[r >>> 6] |= 1L << r;
            count++;
          }
        }
      }
      List<List<Neighbor>> out = new ArrayList<>(queries.length);
      if (count == 0 || queries.length == 0) {
        for (int q = 0; q < queries.length; q++) {
          out.add(List.of());
        }
        return out;
      }
      int kk = Math.min(k, count);
      Object prepared = prepare(queries);
      TopK[] heaps;
      if (accepted == null || count == size) {
        heaps = searchBatched(queries, prepared, kk, null);
        if (heaps == null) {
          heaps = scanAll(queries, prepared, kk, null, null, size);
        }
      } else if ((long) count * GATHER_ONE_IN <= size) {
        int[] rows = new int[count];
        int i = 0;
        for (int w = 0; w < accepted.length; w++) {
          for (long bits = accepted[w]; bits != 0; bits &= bits - 1) {
            rows[i++] = (w << 6) + Long.numberOfTrailingZeros(bits);
          }
        }
        heaps = scanAll(queries, prepared, kk, null, rows, count);
      } else {
        long[] rowBits = accepted;
        heaps = searchBatched(queries, prepared, kk,
            row -> (rowBits[(int) (row >>> 6)] & (1L << row)) != 0);
        if (heaps == null) {
          heaps = scanAll(queries, prepared, kk, filter, null, size);
        }
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
   * and merge the per-thread heaps. Scans rows {@code [0, n)}, or with {@code rows} the first
   * {@code n} of those; the heaps keep only ids {@code filter} passes, when it is given.
   */
  private TopK[] scanAll(Q[] queries, Object prepared, int k, LongPredicate filter, int[] rows,
      int n) {
    int nq = queries.length;
    TopK[] heaps = newHeaps(nq, k, filter);
    long work = (long) nq * n * Math.max(1, rowCost());
    int parts = work < SINGLE_THREAD_WORK ? 1 : threads;
    if (parts == 1) {
      scanPart(queries, prepared, 0, nq, rows, 0, n, heaps);
      return heaps;
    }
    List<Runnable> tasks = new ArrayList<>(parts);
    if (nq >= 4 * parts) {
      for (int p = 0; p < parts; p++) {
        int from = (int) ((long) nq * p / parts);
        int to = (int) ((long) nq * (p + 1) / parts);
        tasks.add(() -> scanPart(queries, prepared, from, to, rows, 0, n, heaps));
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
        TopK[] local = newHeaps(nq, k, filter);
        scanPart(queries, prepared, 0, nq, rows, from, to, local);
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

  private void scanPart(Q[] queries, Object prepared, int qFrom, int qTo, int[] rows, int from,
      int to, TopK[] heaps) {
    if (rows == null) {
      scan(queries, prepared, qFrom, qTo, from, to, heaps);
    } else {
      scanRows(queries, prepared, qFrom, qTo, rows, from, to, heaps);
    }
  }

  static TopK[] newHeaps(int count, int k, LongPredicate filter) {
    TopK[] heaps = new TopK[count];
    for (int i = 0; i < count; i++) {
      heaps[i] = new TopK(k, filter);
    }
    return heaps;
  }

  static TopK[] newHeaps(int count, int k) {
    return newHeaps(count, k, null);
  }
}
