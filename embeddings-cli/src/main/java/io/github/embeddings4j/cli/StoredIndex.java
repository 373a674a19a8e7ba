package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.NeighborIndex;
import io.github.embeddings4j.core.io.EmbeddingSet;
import io.github.embeddings4j.core.io.Ids;
import io.github.embeddings4j.core.io.IoErrors;
import io.github.embeddings4j.core.io.SdkFile;
import io.github.embeddings4j.api.ProgressListener;
import io.github.embeddings4j.core.search.FlatIndex;
import io.github.embeddings4j.core.search.NearDuplicates;
import io.github.embeddings4j.gpu.GpuFlatIndex;
import io.github.embeddings4j.gpu.GpuOptions;
import io.github.embeddings4j.gpu.GpuUnavailableException;
import io.github.embeddings4j.core.search.GraphIndex;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.function.LongPredicate;

/**
 * What {@code search --index} searches: an embeddings set ({@code .npy}, searched exactly) or an
 * index file written by {@code embeddings4j index} (a flat or a graph index), with the names its
 * hits are printed under.
 */
final class StoredIndex implements AutoCloseable {

  private final Path file;
  private final NeighborIndex<float[]> index;
  private final List<String> rowIds;
  private final EmbedderDescription embedder;
  private final boolean npy;
  /** The GPU searching a flat index, or null on the CPU. */
  private GpuFlatIndex gpu;

  private StoredIndex(Path file, NeighborIndex<float[]> index, List<String> rowIds,
      EmbedderDescription embedder, boolean npy) {
    this.file = file;
    this.index = index;
    this.rowIds = rowIds;
    this.embedder = embedder;
    this.npy = npy;
  }

  /**
   * Moves the search of an exact (flat) index to a GPU.
   *
   * @param options the GPU options; with the CPU fallback, a missing GPU is a note on err
   * @param err where the note goes, or null
   * @throws Main.InputException for a graph index, a metric the GPU does not serve, or no GPU
   *     when the options do not fall back
   */
  void useGpu(GpuOptions options, PrintWriter err) {
    if (!(index instanceof FlatIndex flat)) {
      throw new Main.InputException("--device gpu searches exact indexes (a .npy file or an"
          + " index built with --type flat); " + file + " is a " + describe(), null);
    }
    try {
      gpu = GpuFlatIndex.on(flat, options);
    } catch (IllegalArgumentException | GpuUnavailableException e) {
      throw new Main.InputException(e.getMessage() + (e instanceof GpuUnavailableException
          ? " (--device auto searches on the CPU instead)" : ""), e);
    }
    if (err != null) {
      err.println(gpu.onGpu() ? "searching on " + gpu.device().orElseThrow()
          : "searching on the CPU: " + gpu.cpuReason());
    }
  }

  /**
   * Opens a file.
   *
   * @param file a {@code .npy} embeddings set or an index file
   * @param metric the metric asked for, or null for the file's own (cosine for {@code .npy})
   * @param threads the search threads
   * @param err where notes go, or null for none
   */
  static StoredIndex open(Path file, DistanceMetric metric, int threads, PrintWriter err) {
    if (Files.isDirectory(file)) {
      throw new Main.InputException("not a file but a folder: " + file, null);
    }
    if (!Files.isRegularFile(file)) {
      throw new Main.InputException("no such file: " + file, null);
    }
    Optional<String> kind;
    try {
      kind = SdkFile.kindOf(file);
    } catch (IOException e) {
      throw new Main.InputException(IoErrors.describe(e), e);
    }
    if (kind.isEmpty()) {
      if (size(file) > mapAbove()) {
        return mapped(file, metric, threads, err);
      }
      Matrices stored = Matrices.read(file);
      if (stored.rows().length == 0) {
        throw new Main.InputException(file + " holds no embeddings", null);
      }
      if (err != null) {
        stored.noteUnchecked(file, err);
      }
      FlatIndex flat = FlatIndex.builder(stored.dimension())
          .metric(metric != null ? metric : io.github.embeddings4j.api.StandardMetric.COSINE)
          .threads(threads).build();
      flat.addAll(0, stored.rows());
      return new StoredIndex(file, flat, stored.ids(), stored.embedder(), true);
    }
    NeighborIndex<float[]> index;
    try {
      index = switch (kind.get()) {
        case "FIDX" -> FlatIndex.load(file);
        case "GIDX" -> GraphIndex.load(file, threads);
        default -> throw new Main.InputException(file + " is an embeddings4j '" + kind.get()
            + "' file, not an index: give an index written by 'embeddings4j index' or a .npy "
            + "embeddings file", null);
      };
    } catch (IOException e) {
      throw new Main.InputException(IoErrors.describe(e), e);
    }
    if (metric != null && !metric.metricName().equals(index.metric().metricName())) {
      closeQuietly(index);
      throw new Main.InputException(file + " was built for the " + index.metric().metricName()
          + " metric, not " + metric.metricName() + ": leave --metric out, or build the index "
          + "again with --metric " + metric.metricName(), null);
    }
    if (index.size() == 0) {
      closeQuietly(index);
      throw new Main.InputException(file + " holds no embeddings", null);
    }
    EmbedderDescription embedder = index instanceof FlatIndex f ? f.embedder().orElse(null)
        : ((GraphIndex) index).embedder().orElse(null);
    if (embedder == null && err != null) {
      err.println("note: " + file + " records no embedder (an index of vectors without a"
          + " description, or written by an older embeddings4j): the queries cannot be checked"
          + " against it");
    }
    return new StoredIndex(file, index, null, embedder, false);
  }

  /**
   * The size above which a {@code .npy} set is searched in place ({@code FlatIndex.map}) rather
   * than loaded: a quarter of the heap (loading holds the rows twice for a moment), or the
   * system property {@value #MAP_ABOVE} in bytes.
   */
  static final String MAP_ABOVE = "embeddings4j.mapAbove";

  static long mapAbove() {
    return Long.getLong(MAP_ABOVE, Runtime.getRuntime().maxMemory() / 4);
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new Main.InputException(IoErrors.describe(e), e);
    }
  }

  /** A set too large for the heap, searched in place. */
  private static StoredIndex mapped(Path file, DistanceMetric metric, int threads,
      PrintWriter err) {
    EmbeddingSet.Header h;
    FlatIndex flat;
    try {
      // The header's checksums only: FlatIndex.map checks the vectors in its one pass.
      h = EmbeddingSet.readHeaderDeferringVectors(file);
      flat = FlatIndex.map(file, metric != null ? metric
          : io.github.embeddings4j.api.StandardMetric.COSINE, threads);
    } catch (IOException e) {
      throw new Main.InputException(IoErrors.describe(e), e);
    } catch (IllegalArgumentException e) {
      throw new Main.InputException(e.getMessage(), e);
    }
    if (h.ids().isEmpty()) {
      throw new Main.InputException(file + " holds no embeddings", null);
    }
    if (err != null) {
      Matrices.noteUnchecked(file, h.described(), h.embedder(), err);
      err.printf(java.util.Locale.ROOT, "note: %s (%.2f GB) is searched in place: read from"
          + " the file at each search, not loaded into the %d MB heap%n", file,
          size(file) / 1e9, Runtime.getRuntime().maxMemory() >> 20);
    }
    return new StoredIndex(file, flat, h.ids(), h.embedder(), true);
  }

  private static void closeQuietly(NeighborIndex<float[]> index) {
    if (index instanceof GraphIndex g) {
      g.close();
    }
  }

  Path file() {
    return file;
  }

  /** Whether searches run on a GPU. */
  boolean onGpu() {
    return gpu != null && gpu.onGpu();
  }

  int size() {
    return index.size();
  }

  int dimension() {
    if (index instanceof FlatIndex f) {
      return f.dimension();
    }
    return ((GraphIndex) index).dimension();
  }

  DistanceMetric metric() {
    return index.metric();
  }

  /** How the stored vectors were made; null when the file does not say. */
  EmbedderDescription embedder() {
    return embedder;
  }

  /** Whether this is a graph index (approximate unless asked to be exact). */
  boolean graph() {
    return index instanceof GraphIndex;
  }

  String describe() {
    if (npy) {
      return "embeddings file, exact search";
    }
    if (index instanceof GraphIndex g) {
      return "graph index (M " + g.maxDegree() + ", compression " + g.compression()
          .name().toLowerCase(java.util.Locale.ROOT) + ")";
    }
    return "flat index, exact search";
  }

  /**
   * Searches.
   *
   * @param queries the queries
   * @param k neighbours each
   * @param ef the graph's search beam, or 0 for the index's own
   * @param exact whether a graph index answers exactly from its stored vectors
   */
  List<List<Neighbor>> search(float[][] queries, int k, int ef, boolean exact) {
    return search(queries, k, ef, exact, null);
  }

  /**
   * Searches the entries {@code filter} accepts, or all of them when it is null.
   *
   * @param queries the queries
   * @param k neighbours each
   * @param ef the graph's search beam, or 0 for the index's own
   * @param exact whether a graph index answers exactly from its stored vectors
   * @param filter which ids may be returned, or null
   */
  List<List<Neighbor>> search(float[][] queries, int k, int ef, boolean exact,
      LongPredicate filter) {
    if (index instanceof GraphIndex g) {
      if (exact) {
        List<List<Neighbor>> out = new ArrayList<>(queries.length);
        for (float[] q : queries) {
          out.add(filter == null ? g.searchExact(q, k) : g.searchExact(q, k, filter));
        }
        return out;
      }
      if (filter != null) {
        return ef > 0 ? g.searchAll(queries, k, ef, filter) : g.searchAll(queries, k, filter);
      }
      return ef > 0 ? g.searchAll(queries, k, ef) : g.searchAll(queries, k);
    }
    return filter == null ? index.searchAll(queries, k) : index.searchAll(queries, k, filter);
  }

  /**
   * The entries whose names match one of {@code only} (all when it is empty) and none of
   * {@code exclude}, as a filter over ids, with the count that passes. Names are those a search
   * prints: the set's ids, the index's keys, or numeric ids in decimal; the patterns are globs
   * ({@code *} within a folder, {@code **} across folders, {@code ?}, {@code [..]}, {@code
   * {a,b}}).
   *
   * @param only globs an entry must match one of, or empty
   * @param exclude globs an entry must match none of
   * @return the filter, or null when both lists are empty
   * @throws IllegalArgumentException for a malformed glob, naming it
   */
  NameFilter filter(List<String> only, List<String> exclude) {
    if (only.isEmpty() && exclude.isEmpty()) {
      return null;
    }
    List<PathMatcher> in = matchers(only, "--only");
    List<PathMatcher> out = matchers(exclude, "--exclude");
    if (rowIds != null) {
      // A .npy set: ids are row numbers.
      int n = rowIds.size();
      BitSet pass = new BitSet(n);
      for (int row = 0; row < n; row++) {
        if (matches(rowIds.get(row), in, out)) {
          pass.set(row);
        }
      }
      return new NameFilter(id -> id >= 0 && id < n && pass.get((int) id), pass.cardinality());
    }
    long[] accepted;
    if (index instanceof FlatIndex f) {
      int n = f.size();
      long[] ids = new long[n];
      int count = 0;
      for (int row = 0; row < n; row++) {
        long id = f.idAt(row);
        if (matches(f.key(id).orElse(Long.toString(id)), in, out)) {
          ids[count++] = id;
        }
      }
      accepted = Arrays.copyOf(ids, count);
    } else if (index instanceof GraphIndex g && g.keyed()) {
      // A graph of string keys: ids are node numbers, removed nodes have no key.
      int live = index.size();
      long[] ids = new long[live];
      int count = 0;
      int seen = 0;
      for (long id = 0; seen < live; id++) {
        Optional<String> key = index.key(id);
        if (key.isPresent()) {
          seen++;
          if (matches(key.get(), in, out)) {
            ids[count++] = id;
          }
        }
      }
      accepted = Arrays.copyOf(ids, count);
    } else {
      // A graph of numeric ids of the caller's: matched by their decimal names when met.
      java.util.concurrent.ConcurrentHashMap<Long, Boolean> seen =
          new java.util.concurrent.ConcurrentHashMap<>();
      return new NameFilter(id -> seen.computeIfAbsent(id,
          x -> matches(Long.toString(x), in, out)), -1);
    }
    Arrays.sort(accepted);
    long[] sorted = accepted;
    return new NameFilter(id -> Arrays.binarySearch(sorted, id) >= 0, sorted.length);
  }

  /** A filter over ids and the number of entries it passes (-1 when not counted). */
  record NameFilter(LongPredicate accept, int passing) {}

  private static List<PathMatcher> matchers(List<String> globs, String option) {
    List<PathMatcher> out = new ArrayList<>(globs.size());
    for (String glob : globs) {
      try {
        out.add(FileSystems.getDefault().getPathMatcher("glob:" + glob));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(option + " '" + glob + "' is not a valid glob: "
            + e.getMessage() + " (examples: 'cats/**', '*.png', 'photos/2024-*/**')", e);
      }
    }
    return out;
  }

  private static boolean matches(String name, List<PathMatcher> in, List<PathMatcher> out) {
    Path p;
    try {
      p = Path.of(name);
    } catch (InvalidPathException e) {
      return false;
    }
    boolean pass = in.isEmpty();
    for (PathMatcher m : in) {
      if (m.matches(p)) {
        pass = true;
        break;
      }
    }
    if (!pass) {
      return false;
    }
    for (PathMatcher m : out) {
      if (m.matches(p)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The near-duplicate groups among every entry, each searched with its stored vector.
   *
   * @param finder the settings
   * @param progress hears the progress
   */
  NearDuplicates.Result duplicates(NearDuplicates finder, ProgressListener progress) {
    return index instanceof GraphIndex g ? finder.find(g, progress)
        : finder.find((FlatIndex) index, progress);
  }

  /**
   * An entry's name as stored (its id in the set or its key, undecoded), for finding its file;
   * null for an entry of an index without keys.
   */
  String name(long id) {
    if (rowIds != null) {
      return rowIds.get((int) id);
    }
    return index.key(id).orElse(null);
  }

  /** The name a hit is printed under: its id in the set, its key, or its numeric id. */
  String display(long id) {
    String name = name(id);
    return name == null ? Long.toString(id) : Ids.display(name);
  }

  /**
   * The file of an entry under the folder the collection was embedded from, with its
   * attributes; null when the entry has no name or no regular file is there (moved or deleted
   * since it was embedded).
   */
  EntryFile file(long id, Path folder) {
    String name = name(id);
    if (name == null) {
      return null;
    }
    Path file = Ids.resolve(folder, name);
    try {
      java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(file,
          java.nio.file.attribute.BasicFileAttributes.class);
      return a.isRegularFile() ? new EntryFile(file, a) : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** An entry's file and its attributes when it was looked at. */
  record EntryFile(Path path, java.nio.file.attribute.BasicFileAttributes facts) {}

  @Override
  public void close() {
    if (gpu != null) {
      gpu.close();
    }
    closeQuietly(index);
  }
}
