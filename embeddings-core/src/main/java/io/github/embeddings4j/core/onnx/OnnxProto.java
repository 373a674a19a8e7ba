package io.github.embeddings4j.core.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes an ONNX model (protocol buffers wire format, the fields of {@code onnx.proto} that a
 * graph of image operators needs) without a protobuf library: what {@link
 * io.github.embeddings4j.core.zoo.ZooEmbedder} needs to hand a Deeplearning4j network to ONNX
 * Runtime. Large weights are written once, straight into the graph's buffer.
 *
 * <pre>{@code
 * OnnxProto.Graph g = new OnnxProto.Graph("net");
 * g.input("input", new long[] {-1, 3, 224, 224});
 * g.initializer("w", new long[] {8, 3, 3, 3}, weights);
 * g.node("Conv", List.of("input", "w"), "y", OnnxProto.ints("strides", 1, 1));
 * g.output("y", 4);
 * byte[] model = g.model(13);
 * }</pre>
 */
public final class OnnxProto {

  private OnnxProto() {}

  /** One attribute of a node, already encoded. */
  public record Attribute(byte[] encoded) {}

  /**
   * An integer-list attribute.
   *
   * @param name the attribute
   * @param values its values
   * @return the attribute
   */
  public static Attribute ints(String name, long... values) {
    Writer w = new Writer();
    w.string(1, name);
    for (long v : values) {
      w.varint(8, v);
    }
    w.varint(20, 7);
    return new Attribute(w.bytes());
  }

  /**
   * An integer attribute.
   *
   * @param name the attribute
   * @param value its value
   * @return the attribute
   */
  public static Attribute integer(String name, long value) {
    Writer w = new Writer();
    w.string(1, name);
    w.varint(3, value);
    w.varint(20, 2);
    return new Attribute(w.bytes());
  }

  /**
   * A float attribute.
   *
   * @param name the attribute
   * @param value its value
   * @return the attribute
   */
  public static Attribute real(String name, float value) {
    Writer w = new Writer();
    w.string(1, name);
    w.fixed32(2, Float.floatToRawIntBits(value));
    w.varint(20, 1);
    return new Attribute(w.bytes());
  }

  /** A graph being written: nodes, weights, one input and its outputs. */
  public static final class Graph {
    private final String name;
    private final Writer body = new Writer();
    private final List<byte[]> io = new ArrayList<>();
    private int nodes;

    /**
     * Starts a graph.
     *
     * @param name the graph's name
     */
    public Graph(String name) {
      this.name = name;
    }

    /**
     * Declares a float input; a negative dimension is left open (named {@code "batch"}).
     *
     * @param input the input's name
     * @param shape its shape
     */
    public void input(String input, long[] shape) {
      io.add(valueInfo(11, input, shape));
    }

    /**
     * Declares a float output of the given rank, dimensions left open.
     *
     * @param output the tensor's name
     * @param rank its rank
     */
    public void output(String output, int rank) {
      long[] shape = new long[rank];
      java.util.Arrays.fill(shape, -1);
      io.add(valueInfo(12, output, shape));
    }

    /**
     * Adds a float weight.
     *
     * @param tensor its name
     * @param shape its shape
     * @param values its values, row-major
     */
    public void initializer(String tensor, long[] shape, float[] values) {
      byte[] raw = new byte[values.length * 4];
      ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values);
      weight(tensor, shape, 1, raw);
    }

    /**
     * Adds an int64 constant (shapes, pads).
     *
     * @param tensor its name
     * @param values its values, as a vector
     */
    public void initializer(String tensor, long[] values) {
      byte[] raw = new byte[values.length * 8];
      ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().put(values);
      weight(tensor, new long[] {values.length}, 7, raw);
    }

    private void weight(String tensor, long[] shape, int type, byte[] raw) {
      Writer head = new Writer();
      for (long d : shape) {
        head.varint(1, d);
      }
      head.varint(2, type);
      head.string(8, tensor);
      byte[] h = head.bytes();
      // The tensor's length is known without building it: its head, then raw_data (field 9).
      long length = h.length + 1 + Writer.varintSize(raw.length) + raw.length;
      body.tag(5, 2);
      body.rawVarint(length);
      body.raw(h);
      body.tag(9, 2);
      body.rawVarint(raw.length);
      body.raw(raw);
    }

    /**
     * Adds a node.
     *
     * @param op the operator (e.g. {@code "Conv"})
     * @param inputs its input tensors
     * @param output its output tensor
     * @param attributes its attributes
     */
    public void node(String op, List<String> inputs, String output, Attribute... attributes) {
      node(op, inputs, List.of(output), attributes);
    }

    /**
     * Adds a node with several outputs (a {@code Split}, say), named as its first.
     *
     * @param op the operator
     * @param inputs its input tensors
     * @param outputs its output tensors
     * @param attributes its attributes
     */
    public void node(String op, List<String> inputs, List<String> outputs,
        Attribute... attributes) {
      Writer n = new Writer();
      for (String in : inputs) {
        n.string(1, in);
      }
      for (String out : outputs) {
        n.string(2, out);
      }
      n.string(3, outputs.get(0)); // the node is named as its output: the layer it came from
      nodes++;
      n.string(4, op);
      for (Attribute a : attributes) {
        n.bytes(5, a.encoded());
      }
      body.bytes(1, n.bytes());
    }

    /**
     * The whole model.
     *
     * @param opset the default domain's operator set
     * @return the model file's bytes
     */
    public byte[] model(int opset) {
      return model(opset, java.util.Map.of());
    }

    /**
     * The whole model with metadata ({@code metadata_props}: what {@code
     * onnx.load(f).metadata_props} and ONNX Runtime's {@code getModelMetadata} show).
     *
     * @param opset the default domain's operator set
     * @param metadata keys and values, in order
     * @return the model file's bytes
     */
    public byte[] model(int opset, java.util.Map<String, String> metadata) {
      Writer g = new Writer();
      g.raw(body.bytes());
      g.string(2, name);
      for (byte[] b : io) {
        g.raw(b);
      }
      Writer m = new Writer();
      m.varint(1, 8);
      m.string(2, "embeddings4j");
      Writer set = new Writer();
      set.string(1, "");
      set.varint(2, opset);
      m.bytes(8, set.bytes());
      m.bytes(7, g.bytes());
      for (java.util.Map.Entry<String, String> e : metadata.entrySet()) {
        Writer entry = new Writer();
        entry.string(1, e.getKey());
        entry.string(2, e.getValue());
        m.bytes(14, entry.bytes());
      }
      return m.bytes();
    }

    private static byte[] valueInfo(int field, String tensor, long[] shape) {
      Writer dims = new Writer();
      for (long d : shape) {
        Writer dim = new Writer();
        if (d < 0) {
          dim.string(2, "batch");
        } else {
          dim.varint(1, d);
        }
        dims.bytes(1, dim.bytes());
      }
      Writer tensorType = new Writer();
      tensorType.varint(1, 1);
      tensorType.bytes(2, dims.bytes());
      Writer type = new Writer();
      type.bytes(1, tensorType.bytes());
      Writer info = new Writer();
      info.string(1, tensor);
      info.bytes(2, type.bytes());
      Writer wrapped = new Writer();
      wrapped.bytes(field, info.bytes());
      return wrapped.bytes();
    }
  }

  /** The wire format: tags, varints, length-delimited fields, fixed 32-bit values. */
  static final class Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    void tag(int field, int wireType) {
      rawVarint(((long) field << 3) | wireType);
    }

    void rawVarint(long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }

    static int varintSize(long v) {
      int n = 1;
      while ((v & ~0x7FL) != 0) {
        n++;
        v >>>= 7;
      }
      return n;
    }

    void varint(int field, long v) {
      tag(field, 0);
      rawVarint(v);
    }

    void fixed32(int field, int bits) {
      tag(field, 5);
      for (int i = 0; i < 4; i++) {
        out.write((bits >>> (8 * i)) & 0xff);
      }
    }

    void bytes(int field, byte[] b) {
      tag(field, 2);
      rawVarint(b.length);
      raw(b);
    }

    void string(int field, String s) {
      bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    void raw(byte[] b) {
      out.write(b, 0, b.length);
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
