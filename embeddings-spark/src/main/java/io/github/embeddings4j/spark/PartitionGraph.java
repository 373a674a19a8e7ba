package io.github.embeddings4j.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoSerializable;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.core.search.GraphIndex;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * The graph index of one partition's rows (none for a partition without vectors), and the form
 * in which a cached {@link PartitionedGraph} keeps it: live in memory, and as the core's saved
 * {@code GIDX} file when Spark writes the block out (to disk, to another executor), with Java
 * serialization or Kryo alike.
 */
final class PartitionGraph implements Serializable, KryoSerializable {

  private static final long serialVersionUID = 1L;

  /** Rows handed to {@code addAll} at a time: bounds the copy a partition holds beside its graph. */
  static final int BATCH_ROWS = 16_384;

  private transient int threads;
  private transient GraphIndex graph;

  private PartitionGraph(int threads, GraphIndex graph) {
    this.threads = threads;
    this.graph = graph;
  }

  /**
   * Builds the graph of a partition's rows ({@code id, vector}): rows with a null vector are
   * skipped; a null id, a vector of another dimension or a non-finite component fails, naming the
   * row's id.
   */
  static PartitionGraph build(Iterator<Row> rows, ApproxKnn settings, int dimension,
      String dimensionOf) {
    GraphIndex graph = null;
    long[] ids = new long[BATCH_ROWS];
    float[][] batch = new float[BATCH_ROWS][];
    while (rows.hasNext()) {
      int count = 0;
      while (count < BATCH_ROWS && rows.hasNext()) {
        Row r = rows.next();
        float[] v = Vectors.get(r, 1);
        if (v == null) {
          continue;
        }
        if (r.isNullAt(0)) {
          throw new IllegalArgumentException("a row has a vector but a null id");
        }
        long id = ((Number) r.get(0)).longValue();
        if (v.length != dimension) {
          throw new IllegalArgumentException("vector dimensions differ: row id " + id + " has "
              + v.length + " components, " + dimensionOf + " " + dimension);
        }
        ids[count] = id;
        batch[count++] = v;
      }
      if (count > 0) {
        if (graph == null) {
          graph = settings.graphBuilder(dimension).build();
        }
        graph.addAll(count == BATCH_ROWS ? ids : java.util.Arrays.copyOf(ids, count),
            count == BATCH_ROWS ? batch : java.util.Arrays.copyOf(batch, count));
      }
    }
    return new PartitionGraph(settings.threads(), graph);
  }

  /** The rows in the graph. */
  int size() {
    return graph == null ? 0 : graph.size();
  }

  /** Each query's {@code k} approximate nearest rows of this partition, nearest first. */
  List<List<Neighbor>> searchLists(float[][] queries, int k, int ef) {
    if (graph == null) {
      List<List<Neighbor>> none = new java.util.ArrayList<>(queries.length);
      for (int q = 0; q < queries.length; q++) {
        none.add(List.of());
      }
      return none;
    }
    return graph.searchAll(queries, k, ef);
  }

  /** Each query's {@code k} approximate nearest rows of this partition, as a partial result. */
  TopLists search(float[][] queries, int k, int ef) {
    return search(queries, k, ef, null);
  }

  /**
   * Each query's {@code k} approximate nearest rows of this partition that pass the filter
   * (all rows when it is null), as a partial result.
   */
  TopLists search(float[][] queries, int k, int ef, java.util.function.LongPredicate filter) {
    TopLists top = new TopLists(queries.length, k);
    if (graph != null) {
      List<List<Neighbor>> found = filter == null ? graph.searchAll(queries, k, ef)
          : graph.searchAll(queries, k, ef, filter);
      for (int q = 0; q < queries.length; q++) {
        top.merge(q, found.get(q));
      }
    }
    return top;
  }

  // ---- serialization: the core's file format, through a temporary file ----

  private void writeGraph(OutputStream out, java.io.DataOutput header) throws IOException {
    header.writeInt(threads);
    if (graph == null) {
      header.writeLong(-1);
      return;
    }
    Path tmp = Files.createTempFile("embeddings4j-partition", ".gidx");
    try {
      graph.save(tmp);
      header.writeLong(Files.size(tmp));
      Files.copy(tmp, out);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private void readGraph(InputStream in, java.io.DataInput header) throws IOException {
    threads = header.readInt();
    long length = header.readLong();
    if (length < 0) {
      graph = null;
      return;
    }
    Path tmp = Files.createTempFile("embeddings4j-partition", ".gidx");
    try {
      try (OutputStream file = Files.newOutputStream(tmp)) {
        byte[] buf = new byte[1 << 16];
        long left = length;
        while (left > 0) {
          int n = in.read(buf, 0, (int) Math.min(buf.length, left));
          if (n < 0) {
            throw new IOException("a cached partition graph ends " + left + " bytes early");
          }
          file.write(buf, 0, n);
          left -= n;
        }
      }
      graph = GraphIndex.load(tmp, threads);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private void writeObject(ObjectOutputStream out) throws IOException {
    out.defaultWriteObject();
    writeGraph(out, out);
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    readGraph(in, in);
  }

  @Override
  public void write(Kryo kryo, Output output) {
    try {
      writeGraph(output, new java.io.DataOutputStream(output));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a partition's graph: " + e.getMessage(), e);
    }
  }

  @Override
  public void read(Kryo kryo, Input input) {
    try {
      readGraph(input, new java.io.DataInputStream(input));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read a partition's graph: " + e.getMessage(), e);
    }
  }
}
