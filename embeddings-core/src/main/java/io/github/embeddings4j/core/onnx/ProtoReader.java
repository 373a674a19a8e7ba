package io.github.embeddings4j.core.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads the protocol buffers wire format of an ONNX file in place (a heap array or a mapping);
 * fails with a clear reason when a field runs past the end. Shared by {@link OnnxModelInfo}
 * (the description) and {@link OnnxGraph} (the operators and weights).
 */
final class ProtoReader {
  private final ByteBuffer b;
  private int pos;
  private final int end;

  ProtoReader(ByteBuffer b, int from, int end) {
    this.b = b;
    this.pos = from;
    this.end = end;
  }

  /** The position of the next byte read. */
  int position() {
    return pos;
  }

  boolean more() {
    return pos < end;
  }

  long varint() {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) {
        throw cut();
      }
      int x = b.get(pos++) & 0xff;
      v |= (long) (x & 0x7f) << shift;
      if (x < 0x80) {
        return v;
      }
    }
    throw new IllegalArgumentException("not an ONNX model: a malformed number at byte " + pos);
  }

  /** A 32-bit float (wire type 5). */
  float fixed32Float() {
    if (end - pos < 4) {
      throw cut();
    }
    float v = b.duplicate().order(ByteOrder.LITTLE_ENDIAN).getFloat(pos);
    pos += 4;
    return v;
  }

  void advance(long n) {
    if (n < 0 || n > end - pos) {
      throw cut();
    }
    pos += (int) n;
  }

  ProtoReader message() {
    long len = varint();
    int from = pos;
    advance(len);
    return new ProtoReader(b, from, pos);
  }

  /** A length-delimited field as a little-endian view of its bytes, without a copy. */
  ByteBuffer bytes() {
    long len = varint();
    int from = pos;
    advance(len);
    return b.slice(from, (int) len).order(ByteOrder.LITTLE_ENDIAN);
  }

  String string() {
    long len = varint();
    int from = pos;
    advance(len);
    byte[] chars = new byte[(int) len];
    b.get(from, chars);
    return new String(chars, StandardCharsets.UTF_8);
  }

  void skip(int wire) {
    switch (wire) {
      case 0 -> varint();
      case 1 -> advance(8);
      case 2 -> advance(varint());
      case 5 -> advance(4);
      default -> throw new IllegalArgumentException("not an ONNX model: wire type " + wire
          + " at byte " + pos);
    }
  }

  private IllegalArgumentException cut() {
    return new IllegalArgumentException("the model is truncated or damaged: a field runs past"
        + " the end of the file (byte " + end + ")");
  }
}
