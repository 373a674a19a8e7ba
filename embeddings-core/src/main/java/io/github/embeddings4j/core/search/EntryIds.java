package io.github.embeddings4j.core.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The ids of an index's rows and, for an index filled with string keys, the keys: one index holds
 * either the caller's numeric ids or string keys whose ids are the row numbers. Not thread-safe:
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

  /** Appends a row with a key, whose id is its row number; {@link #checkKey} passed. */
  long appendKey(String key) {
    if (mode == UNDECIDED) {
      mode = STRING_KEYS;
      keys = new ArrayList<>();
      idsByKey = new HashMap<>();
    }
    long id = size;
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
    long id = size;
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

  /** The key of an id among the first {@code visible} rows. */
  Optional<String> key(long id, int visible) {
    if (mode != STRING_KEYS || id < 0 || id >= Math.min(visible, size)) {
      return Optional.empty();
    }
    return Optional.of(keys.get((int) id));
  }

  /** The id of a key among the first {@code visible} rows. */
  Optional<Long> id(String key, int visible) {
    if (idsByKey == null) {
      return Optional.empty();
    }
    Long id = idsByKey.get(key);
    return id == null || id >= visible ? Optional.empty() : Optional.of(id);
  }
}
