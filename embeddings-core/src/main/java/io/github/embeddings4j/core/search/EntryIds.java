package io.github.embeddings4j.core.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The ids of an index's rows and, for an index filled with string keys, the keys: one index holds
 * either the caller's numeric ids or string keys with ids 0, 1, 2, ... in the order added (the
 * row numbers until rows are removed). Not thread-safe:
 * each index guards it with its own lock.
 */
final class EntryIds {

  private static final int UNDECIDED = 0;
  private static final int NUMERIC_IDS = 1;
  private static final int STRING_KEYS = 2;

  /** The most rows an index holds. */
  static final int MAX_ROWS = Integer.MAX_VALUE - 8;

  private long[] ids = new long[16];
  private int size;
  private int mode = UNDECIDED;
  private List<String> keys;
  private Map<String, Long> idsByKey;
  /**
   * The id the next key gets. Keys' ids are given in increasing order and never reused, so
   * they are sorted by row and survive the removal of rows ({@link #compact}); they equal the
   * row numbers until a row is removed.
   */
  private long nextKeyId;

  int size() {
    return size;
  }

  long idOf(int row) {
    return ids[row];
  }

  String keyOf(int row) {
    return keys.get(row);
  }

  boolean hasStringKeys() {
    return mode == STRING_KEYS;
  }

  /**
   * Checks that {@code count} rows with numeric ids can be added (the index holds no string
   * keys and has room), without changing anything.
   */
  void checkNumeric(long firstId, int count) {
    if (mode == STRING_KEYS) {
      throw new IllegalStateException("this index holds string keys; add with add(String, ...)"
          + " rather than a numeric id (" + firstId + ")");
    }
    checkRoom(count);
  }

  /** Checks that a key can be added (index kind, duplicate, room) without changing anything. */
  void checkKey(String key) {
    Objects.requireNonNull(key, "key");
    if (mode == NUMERIC_IDS) {
      throw new IllegalStateException("this index holds numeric ids; key '" + key
          + "' cannot be added (use add(long, ...) or a new index)");
    }
    if (idsByKey != null && idsByKey.containsKey(key)) {
      throw new IllegalArgumentException("duplicate key '" + key + "' (already id "
          + idsByKey.get(key) + ")");
    }
    checkRoom(1);
  }

  private void checkRoom(int count) {
    if (count > MAX_ROWS - size) {
      throw new IllegalStateException("index is full: " + size + " entries"
          + (count > 1 ? " (" + count + " more asked for)" : ""));
    }
  }

  /** Appends a row with a numeric id; {@link #checkNumeric} passed. */
  void appendNumeric(long id) {
    mode = NUMERIC_IDS;
    grow();
    ids[size++] = id;
  }

  /** Appends a row with a key, whose id is the next key id; {@link #checkKey} passed. */
  long appendKey(String key) {
    return appendKey(key, nextKeyId);
  }

  /**
   * Appends a row with a key and the id a file recorded for it ({@link #checkKey} passed).
   *
   * @throws IllegalArgumentException if the id is not above the previous key's
   */
  long appendKey(String key, long id) {
    if (id < nextKeyId) {
      throw new IllegalArgumentException("key '" + key + "' has id " + id
          + ", not above the previous key's (" + (nextKeyId - 1) + ")");
    }
    if (mode == UNDECIDED) {
      mode = STRING_KEYS;
      keys = new ArrayList<>();
      idsByKey = new HashMap<>();
    }
    nextKeyId = id + 1;
    idsByKey.put(key, id);
    keys.add(key);
    grow();
    ids[size++] = id;
    return id;
  }

  /**
   * Appends a row with a key that no lookup finds: a removed entry's, read back from a file in
   * which a later entry may carry the same key.
   */
  long appendForgottenKey(String key) {
    if (mode == NUMERIC_IDS) {
      throw new IllegalStateException("this index holds numeric ids; key '" + key
          + "' cannot be added");
    }
    if (mode == UNDECIDED) {
      mode = STRING_KEYS;
      keys = new ArrayList<>();
      idsByKey = new HashMap<>();
    }
    long id = nextKeyId++;
    keys.add(key);
    grow();
    ids[size++] = id;
    return id;
  }

  /** Stops a key's lookup (its entry was removed), so that the key can be added again. */
  void forget(String key) {
    if (idsByKey != null) {
      idsByKey.remove(key);
    }
  }

  private void grow() {
    if (size == ids.length) {
      ids = Arrays.copyOf(ids, (int) Math.min(MAX_ROWS, 2L * ids.length));
    }
  }

  /**
   * The row of a key's id among the first {@code visible} rows, or -1: keys' ids increase with
   * their rows, so a binary search finds it (at once while no row was removed).
   */
  int rowOfKeyId(long id, int visible) {
    int hi = Math.min(visible, size) - 1;
    if (mode != STRING_KEYS || id < 0 || hi < 0) {
      return -1;
    }
    if (id <= hi && ids[(int) id] == id) {
      return (int) id;
    }
    int row = Arrays.binarySearch(ids, 0, hi + 1, id);
    return row >= 0 ? row : -1;
  }

  /** The key of an id among the first {@code visible} rows. */
  Optional<String> key(long id, int visible) {
    int row = rowOfKeyId(id, visible);
    return row < 0 ? Optional.empty() : Optional.of(keys.get(row));
  }

  /** The id of a key among the first {@code visible} rows. */
  Optional<Long> id(String key, int visible) {
    if (idsByKey == null) {
      return Optional.empty();
    }
    Long id = idsByKey.get(key);
    return id == null || rowOfKeyId(id, visible) < 0 ? Optional.empty() : Optional.of(id);
  }

  /**
   * Drops the rows set in {@code removed}, keeping the others in order with their ids and keys;
   * removed keys are forgotten, so they can be added again (with new ids).
   *
   * @return the number of rows dropped
   */
  int compact(BitSet removed) {
    int w = 0;
    for (int r = 0; r < size; r++) {
      if (removed.get(r)) {
        if (keys != null) {
          idsByKey.remove(keys.get(r));
        }
        continue;
      }
      ids[w] = ids[r];
      if (keys != null) {
        keys.set(w, keys.get(r));
      }
      w++;
    }
    int dropped = size - w;
    if (keys != null) {
      keys.subList(w, size).clear();
    }
    size = w;
    return dropped;
  }
}
