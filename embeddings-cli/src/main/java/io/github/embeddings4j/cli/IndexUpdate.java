package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.NeighborIndex;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.search.FlatIndex;
import io.github.embeddings4j.core.search.GraphIndex;
import io.github.embeddings4j.core.vector.VectorMath;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code index --update}: brings a saved index in line with the set it was built from, by
 * name. An entry whose name is no longer in the set is removed; one whose stored vector differs
 * from the set's row (an image embedded again) is removed and added anew; the set's rows the
 * index lacks are added. Entries are matched by key, or by row number in an index of numeric
 * ids built from a set without names.
 */
final class IndexUpdate {

  /**
   * A graph is rebuilt when the nodes kept as waypoints of removed entries reach this share of
   * its nodes: past it, memory and search time go to entries no search returns, and recall
   * drops (hnswlib and Lucene rebuild or merge at similar shares).
   */
  static final double REBUILD_SHARE = 0.2;

  private IndexUpdate() {}

  /**
   * What changed.
   *
   * @param kept entries left as they were
   * @param added set rows that were not in the index
   * @param changed entries whose vector differed, removed and added again
   * @param removed entries whose name is no longer in the set
   * @param index the index to save: the one updated, or its rebuilt copy
   * @param rebuilt whether the graph was rebuilt
   */
  record Result(int kept, int added, int changed, int removed, NeighborIndex<float[]> index,
      boolean rebuilt) {

    boolean unchanged() {
      return added == 0 && changed == 0 && removed == 0;
    }
  }

  /**
   * Updates {@code index} in place to hold exactly the set's rows.
   *
   * @param index a loaded flat or graph index
   * @param file its file, for messages
   * @param rows the set's rows
   * @param names the set's names, one per row
   * @param rowNumbers whether the names are the row numbers (a set without ids)
   * @return what changed, and the index to save
   */
  static Result apply(NeighborIndex<float[]> index, Path file, float[][] rows,
      List<String> names, boolean rowNumbers) {
    boolean graph = index instanceof GraphIndex;
    boolean keyed = graph ? ((GraphIndex) index).keyed() : ((FlatIndex) index).keyed();
    int entries = index.size();
    if (!keyed && !rowNumbers && entries > 0) {
      throw new Main.InputException(file + " holds numeric ids (it was built from vectors"
          + " without names), but the set names its rows: --update matches entries by name;"
          + " build the index anew without --update", null);
    }
    Map<String, Integer> rowOf = new HashMap<>(names.size() * 2);
    for (int r = 0; r < names.size(); r++) {
      rowOf.put(names.get(r), r);
    }
    boolean normalised = graph && index.metric().metricName()
        .equals(StandardMetric.COSINE.metricName());
    boolean[] present = new boolean[rows.length];
    Set<Long> gone = new HashSet<>();
    int[] removedChanged = new int[2];
    // Each stored entry is compared as it is read: no copy of the index's vectors is kept.
    GraphIndex.EntryVisitor compare = (id, key, vector) -> {
      Integer r = rowOf.get(key != null ? key : Long.toString(id));
      if (r == null || present[r]) {
        gone.add(id);
        removedChanged[0]++;
        return;
      }
      float[] want = normalised ? VectorMath.normalized(rows[r]) : rows[r];
      if (Arrays.equals(want, vector)) {
        present[r] = true;
      } else {
        gone.add(id);
        removedChanged[1]++;
      }
    };
    if (index instanceof GraphIndex g) {
      g.forEachEntry(compare);
    } else {
      FlatIndex f = (FlatIndex) index;
      for (int row = 0; row < f.size(); row++) {
        long id = f.idAt(row);
        compare.accept(id, f.key(id).orElse(null), f.vectorAt(row));
      }
    }
    int removed = removedChanged[0];
    int changed = removedChanged[1];
    if (!gone.isEmpty()) {
      if (index instanceof GraphIndex g) {
        g.removeIf(gone::contains);
      } else {
        ((FlatIndex) index).removeIf(gone::contains);
      }
    }
    List<Integer> toAdd = new ArrayList<>();
    for (int r = 0; r < rows.length; r++) {
      if (!present[r]) {
        toAdd.add(r);
      }
    }
    add(index, keyed || entries == 0 && !rowNumbers, toAdd, rows, names);
    int kept = entries - removed - changed;
    NeighborIndex<float[]> out = index;
    boolean rebuilt = false;
    if (graph) {
      GraphIndex g = (GraphIndex) index;
      if (g.removedCount() > 0
          && g.removedCount() >= REBUILD_SHARE * (g.size() + g.removedCount())) {
        out = g.rebuilt();
        rebuilt = true;
      }
    }
    return new Result(kept, toAdd.size() - changed, changed, removed, out, rebuilt);
  }

  private static void add(NeighborIndex<float[]> index, boolean keyed, List<Integer> toAdd,
      float[][] rows, List<String> names) {
    if (toAdd.isEmpty()) {
      return;
    }
    float[][] vectors = new float[toAdd.size()][];
    List<String> keys = new ArrayList<>(toAdd.size());
    long[] ids = new long[toAdd.size()];
    for (int i = 0; i < vectors.length; i++) {
      int r = toAdd.get(i);
      vectors[i] = rows[r];
      keys.add(names.get(r));
      ids[i] = r;
    }
    if (index instanceof GraphIndex g) {
      if (keyed) {
        g.addAll(keys, vectors);
      } else {
        g.addAll(ids, vectors);
      }
    } else {
      FlatIndex f = (FlatIndex) index;
      for (int i = 0; i < vectors.length; i++) {
        if (keyed) {
          f.add(keys.get(i), vectors[i]);
        } else {
          f.add(ids[i], vectors[i]);
        }
      }
    }
  }
}
