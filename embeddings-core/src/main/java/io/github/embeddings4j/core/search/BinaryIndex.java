package io.github.embeddings4j.core.search;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.io.SdkFile;
import io.github.embeddings4j.core.vector.VectorMath;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;

/**
 * Exact k-nearest-neighbour search over binary codes packed 64 bits to a {@code long} (as the
 * binary-code reducers produce them), ranked by {@link StandardMetric#HAMMING Hamming distance}:
 * the population count of the exclusive or, one instruction per word. Codes are stored word
 * after word in large {@code long[]} blocks. Ids, string keys, threads, the read-write lock and
 * the order of results are as in {@link FlatIndex}; distances are whole numbers, so ties are
 * common and broken by the smaller id. Thread-safe like {@link FlatIndex}: concurrent searches,
 * and adds that wait for them.
 *
 * <pre>{@code
 * BinaryIndex index = BinaryIndex.builder(4).build();   // 256-bit codes
 * index.add(7L, code);
 * List<Neighbor> hits = index.search(queryCode, 10);
 * }</pre>
 */
public final class BinaryIndex extends BaseIndex<long[]> {

  static final String KIND = "BIDX";
  static final int VERSION = 1;

  /** Words per storage block (16 MiB). */
  static final int BLOCK_WORDS = 1 << 21;
  private static final int SCAN_TILE_BYTES = 128 * 1024;

  private final int words;
  private final int rowsPerBlock;
  private final int tileRows;
  private final List<long[]> blocks = new ArrayList<>();

  private BinaryIndex(Builder b) {
    super(b.threads);
    this.words = b.words;
    this.rowsPerBlock = Math.max(1, b.blockWords / words);
    this.tileRows = Math.max(1, SCAN_TILE_BYTES / (8 * words));
  }

  /**
   * Starts building an index of codes of {@code words} 64-bit words ({@code 64 * words} bits).
   *
   * @param words the code length in words, at least 1
   * @return a builder
   * @throws IllegalArgumentException if {@code words < 1}
   */
  public static Builder builder(int words) {
    return new Builder(words);
  }

  /** Options of a {@link BinaryIndex}. Not thread-safe; {@link #build()} copies what it needs. */
  public static final class Builder {
    private final int words;
    private int threads = SearchThreads.defaultParallelism();
    private int blockWords = BLOCK_WORDS;

    private Builder(int words) {
      if (words < 1) {
        throw new IllegalArgumentException("code length must be >= 1 word: " + words);
      }
      this.words = words;
    }

    /**
     * The most threads one search uses (default: the number of processors).
     *
     * @param threads at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public Builder threads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be >= 1: " + threads);
      }
      this.threads = threads;
      return this;
    }

    /** Smaller storage blocks, so that tests cross block boundaries with few codes. */
    Builder blockWords(int blockWords) {
      this.blockWords = blockWords;
      return this;
    }

    /**
     * Builds an empty index.
     *
     * @return the index
     */
    public BinaryIndex build() {
      return new BinaryIndex(this);
    }
  }

  /**
   * The code length in 64-bit words.
   *
   * @return the number of words per code
   */
  public int words() {
    return words;
  }

  /**
   * Always {@link StandardMetric#HAMMING}.
   *
   * @return the Hamming metric
   */
  @Override
  public DistanceMetric metric() {
    return StandardMetric.HAMMING;
  }

  /**
   * Adds a code under the caller's id.
   *
   * @param id the id searches return for it
   * @param code the code (copied)
   * @throws IllegalArgumentException if its length is not {@link #words()}
   * @throws IllegalStateException if this index holds string keys
   */
  public void add(long id, long[] code) {
    addWithId(id, code);
  }

  /**
   * Adds a code under a string key; its id is the next in {@code 0, 1, 2, ...} (its row
   * number until an entry is removed).
   *
   * @param key the key, unique in this index
   * @param code the code (copied)
   * @return the id searches return for it
   * @throws IllegalArgumentException if the key is already present or the length is wrong
   * @throws IllegalStateException if this index holds numeric ids
   */
  public long add(String key, long[] code) {
    return addWithKey(key, code);
  }

  @Override
  void checkVector(long[] code, String what) {
    if (code.length != words) {
      throw new IllegalArgumentException("binary code lengths differ: " + what + " has "
          + code.length + " words, the index " + words);
    }
  }

  @Override
  int rowCost() {
    return words;
  }

  @Override
  void appendRow(int row, long[] code) {
    int b = row / rowsPerBlock;
    int offset = (row - b * rowsPerBlock) * words;
    if (b == blocks.size()) {
      blocks.add(new long[Math.min(rowsPerBlock, 16) * words]);
    }
    long[] block = blocks.get(b);
    if (offset + words > block.length) {
      block = Arrays.copyOf(block, (int) Math.min((long) rowsPerBlock * words,
          Math.max(2L * block.length, offset + words)));
      blocks.set(b, block);
    }
    System.arraycopy(code, 0, block, offset, words);
  }

  @Override
  void compactRows(BitSet removed, int rows) {
    int w = 0;
    for (int r = 0; r < rows; r++) {
      if (removed.get(r)) {
        continue;
      }
      if (w != r) {
        System.arraycopy(blocks.get(r / rowsPerBlock), (r % rowsPerBlock) * words,
            blocks.get(w / rowsPerBlock), (w % rowsPerBlock) * words, words);
      }
      w++;
    }
    int keepBlocks = (w + rowsPerBlock - 1) / rowsPerBlock;
    while (blocks.size() > keepBlocks) {
      blocks.remove(blocks.size() - 1);
    }
  }

  /**
   * A copy of the code stored in a row.
   *
   * @param row the row, in {@code [0, size())}, in the order codes were added
   * @return the code
   */
  public long[] codeAt(int row) {
    lock.readLock().lock();
    try {
      Objects.checkIndex(row, rowCount());
      int b = row / rowsPerBlock;
      int offset = (row - b * rowsPerBlock) * words;
      return Arrays.copyOfRange(blocks.get(b), offset, offset + words);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  void scan(long[][] queries, Object prepared, int qFrom, int qTo, int rowFrom, int rowTo,
      TopK[] heaps) {
    int r0 = rowFrom;
    while (r0 < rowTo) {
      int b = r0 / rowsPerBlock;
      int blockEnd = Math.min(rowTo, (b + 1) * rowsPerBlock);
      int r1 = Math.min(blockEnd, r0 + tileRows);
      long[] block = blocks.get(b);
      int base = (r0 - b * rowsPerBlock) * words;
      for (int q = qFrom; q < qTo; q++) {
        long[] query = queries[q];
        TopK heap = heaps[q];
        double bound = heap.bound();
        int off = base;
        for (int r = r0; r < r1; r++, off += words) {
          int dist = VectorMath.hamming(query, 0, block, off, words);
          if (!(dist > bound)) {
            heap.offer(dist, idOfRow(r));
            bound = heap.bound();
          }
        }
      }
      r0 = r1;
    }
  }

  @Override
  void scanRows(long[][] queries, Object prepared, int qFrom, int qTo, int[] rows, int from,
      int to, TopK[] heaps) {
    for (int g0 = from; g0 < to; g0 += tileRows) {
      int g1 = Math.min(to, g0 + tileRows);
      for (int q = qFrom; q < qTo; q++) {
        long[] query = queries[q];
        TopK heap = heaps[q];
        for (int i = g0; i < g1; i++) {
          int row = rows[i];
          int b = row / rowsPerBlock;
          int dist = VectorMath.hamming(query, 0, blocks.get(b), (row - b * rowsPerBlock) * words,
              words);
          if (!(dist > heap.bound())) {
            heap.offer(dist, idOfRow(row));
          }
        }
      }
    }
  }

  /**
   * Saves the index atomically in the checksummed container ({@code BIDX}, version 1).
   *
   * @param file the file
   * @throws IOException if writing fails; an existing file is then left as it was
   */
  public void save(Path file) throws IOException {
    lock.readLock().lock();
    try {
      int n = rowCount();
      SdkFile.write(file, KIND, VERSION, out -> {
        out.writeInt(words);
        out.writeInt(n);
        out.writeInt(hasStringKeys() ? 1 : 0);
        for (int r = 0; r < n; r++) {
          out.writeLong(idOfRow(r));
        }
        if (hasStringKeys()) {
          for (int r = 0; r < n; r++) {
            out.writeString(keyOfRow(r));
          }
        }
        for (int r = 0; r < n; r += rowsPerBlock) {
          int rows = Math.min(rowsPerBlock, n - r);
          out.writeLongs(blocks.get(r / rowsPerBlock), 0, rows * words);
        }
      });
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Loads an index saved by {@link #save(Path)}.
   *
   * @param file the file
   * @return the index, with the default thread count
   * @throws io.github.embeddings4j.core.io.DamagedFileException if the file is truncated,
   *     altered or not a binary index, naming the file
   * @throws IOException if the file cannot be read
   */
  public static BinaryIndex load(Path file) throws IOException {
    return SdkFile.read(file, KIND, VERSION, (in, version) -> {
      int w = in.readInt();
      if (w < 1) {
        throw in.damaged("code length " + w + " words is not positive");
      }
      int n = in.readInt();
      boolean keyed = in.readInt() == 1;
      in.require(n, (int) Math.min(Integer.MAX_VALUE, 8 + 8L * w), "entries");
      long[] ids = new long[n];
      in.readLongs(ids, 0, n);
      String[] keys = null;
      if (keyed) {
        keys = new String[n];
        for (int r = 0; r < n; r++) {
          keys[r] = in.readString();
        }
      }
      BinaryIndex index = builder(w).build();
      // Sized only once a code is known to be in the file (see FlatIndex.load).
      long[] code = new long[n == 0 ? 0 : w];
      for (int r = 0; r < n; r++) {
        in.readLongs(code, 0, w);
        if (keyed) {
          try {
            index.addWithKey(keys[r], ids[r], code);
          } catch (IllegalArgumentException e) {
            throw in.damaged("entry " + r + ": " + e.getMessage());
          }
        } else {
          index.add(ids[r], code);
        }
      }
      return index;
    });
  }
}
