package io.github.embeddings4j.core.search;

import java.util.Arrays;

/**
 * One snapshot of a {@link GraphIndex}'s arrays, in segments of {@code 2^shift} rows that never
 * move once full: the vectors (floats row after row, or 8-bit codes), the layer-0 neighbour
 * lists at a fixed stride ({@code [count, n1, ..., n2M]} per node), and the sparse upper layers
 * (one {@code int[]} per node above layer 0, {@code [count, n1, ..., nM]} per layer, null for
 * the many nodes on layer 0 only).
 *
 * <p>A snapshot is replaced (by {@link #grow}, {@link #withCodes}) only under the index's add
 * lock while no insertion runs: the new one shares the full segments and copies the last,
 * shorter one, so a search still holding the old snapshot reads consistent arrays.
 */
final class GraphStore {

  final int dim;
  final int shift;
  final int mask;
  final int stride0;
  final int strideUp;
  final int capacity;
  /** Float rows, or null when the vectors are held as codes. */
  final float[][] vectors;
  /** Code rows, or null. */
  final byte[][] codes;
  final ScalarQuantizer quantizer;
  final int[][] links0;
  final int[][][] upper;

  private GraphStore(int dim, int shift, int stride0, int strideUp, int capacity,
      float[][] vectors, byte[][] codes, ScalarQuantizer quantizer, int[][] links0,
      int[][][] upper) {
    this.dim = dim;
    this.shift = shift;
    this.mask = (1 << shift) - 1;
    this.stride0 = stride0;
    this.strideUp = strideUp;
    this.capacity = capacity;
    this.vectors = vectors;
    this.codes = codes;
    this.quantizer = quantizer;
    this.links0 = links0;
    this.upper = upper;
  }

  static GraphStore empty(int dim, int shift, int maxDegree, boolean floats) {
    return new GraphStore(dim, shift, 1 + 2 * maxDegree, 1 + maxDegree, 0,
        floats ? new float[0][] : null, null, null, new int[0][], new int[0][][]);
  }

  /** Rows per segment chosen so that a segment of floats is at most 64 MiB (2^24 floats). */
  static int shiftFor(int dim) {
    int s = 24 - (32 - Integer.numberOfLeadingZeros(Math.max(1, dim - 1)));
    return Math.max(4, Math.min(16, s));
  }

  /**
   * A snapshot with room for at least {@code rows} rows: doubling within the first segment, then
   * whole segments (which are allocated, never copied), so that a large index holds less than
   * one segment of unused room.
   */
  GraphStore grow(int rows) {
    if (rows <= capacity) {
      return this;
    }
    long doubled = Math.max(rows, Math.max(16, 2L * capacity));
    long wholeSegments = (((long) rows + mask) >>> shift) << shift;
    int cap = (int) Math.min(EntryIds.MAX_ROWS, Math.max(rows, Math.min(doubled,
        wholeSegments)));
    return new GraphStore(dim, shift, stride0, strideUp, cap,
        vectors == null ? null : growFloats(vectors, cap),
        codes == null ? null : growBytes(codes, cap), quantizer,
        growInts(links0, cap, stride0), growUpper(upper, cap));
  }

  /** The same graph with its vectors as codes (the float rows dropped from the heap). */
  GraphStore withCodes(ScalarQuantizer q, byte[][] newCodes) {
    return new GraphStore(dim, shift, stride0, strideUp, capacity, null, newCodes, q, links0,
        upper);
  }

  /** Empty code segments matching this snapshot's capacity. */
  byte[][] newCodeSegments() {
    return growBytes(new byte[0][], capacity);
  }

  private int segments(int cap) {
    return (int) (((long) cap + mask) >>> shift);
  }

  /** The rows the last of {@code segments(cap)} segments holds. */
  private int lastRows(int cap) {
    return cap - ((segments(cap) - 1) << shift);
  }

  private float[][] growFloats(float[][] old, int cap) {
    int n = segments(cap);
    float[][] out = Arrays.copyOf(old, n);
    for (int s = 0; s < n; s++) {
      int len = (s == n - 1 ? lastRows(cap) : 1 << shift) * dim;
      out[s] = out[s] == null ? new float[len]
          : out[s].length < len ? Arrays.copyOf(out[s], len) : out[s];
    }
    return out;
  }

  private byte[][] growBytes(byte[][] old, int cap) {
    int n = segments(cap);
    byte[][] out = Arrays.copyOf(old, n);
    for (int s = 0; s < n; s++) {
      int len = (s == n - 1 ? lastRows(cap) : 1 << shift) * dim;
      out[s] = out[s] == null ? new byte[len]
          : out[s].length < len ? Arrays.copyOf(out[s], len) : out[s];
    }
    return out;
  }

  private int[][] growInts(int[][] old, int cap, int width) {
    int n = segments(cap);
    int[][] out = Arrays.copyOf(old, n);
    for (int s = 0; s < n; s++) {
      int len = (s == n - 1 ? lastRows(cap) : 1 << shift) * width;
      out[s] = out[s] == null ? new int[len]
          : out[s].length < len ? Arrays.copyOf(out[s], len) : out[s];
    }
    return out;
  }

  private int[][][] growUpper(int[][][] old, int cap) {
    int n = segments(cap);
    int[][][] out = Arrays.copyOf(old, n);
    for (int s = 0; s < n; s++) {
      int len = s == n - 1 ? lastRows(cap) : 1 << shift;
      out[s] = out[s] == null ? new int[len][]
          : out[s].length < len ? Arrays.copyOf(out[s], len) : out[s];
    }
    return out;
  }

  /** The level of a node: the number of layers above 0 it is on. */
  int level(int node) {
    int[] up = upper[node >>> shift][node & mask];
    return up == null ? 0 : up.length / strideUp;
  }

  /** Gives a node its upper layers ({@code level >= 1}). */
  void setLevel(int node, int level) {
    upper[node >>> shift][node & mask] = level == 0 ? null : new int[level * strideUp];
  }

  /** The bytes the graph's lists take (layer 0 and the upper layers). */
  long graphBytes(int rows) {
    long b = 4L * stride0 * rows;
    for (int r = 0; r < rows; r++) {
      int[] up = upper[r >>> shift][r & mask];
      if (up != null) {
        b += 16 + 4L * up.length;
      }
    }
    return b;
  }
}
