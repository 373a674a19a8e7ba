package io.github.embeddings4j.core.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operators and constant tensors of an ONNX model, read from its file: what {@link
 * OnnxImport} turns into a Deeplearning4j graph. Weights are read as floats (stored as float32,
 * float16, bfloat16 or float64, in the file or in external data files beside it) and integer
 * tensors as longs; {@code Constant} nodes and {@code Identity} nodes of constants become
 * constants too, so that the nodes left are the computation.
 */
final class OnnxGraph {

  /** A constant tensor: exactly one of {@code floats} and {@code longs} is set. */
  record Tensor(String name, long[] dims, float[] floats, long[] longs) {
    long size() {
      long n = 1;
      for (long d : dims) {
        n *= d;
      }
      return n;
    }
  }

  /** One attribute; the fields its type does not use are empty. */
  record Attribute(String name, long i, float f, String s, long[] ints, float[] floats,
      Tensor t) {}

  /** One operator. */
  record Node(String op, String name, List<String> inputs, List<String> outputs,
      Map<String, Attribute> attributes) {

    /** The name a reader recognises: the node's own, else its first output. */
    String label() {
      return name.isEmpty() ? outputs.get(0) : name;
    }

    long integer(String attribute, long otherwise) {
      Attribute a = attributes.get(attribute);
      return a == null ? otherwise : a.i();
    }

    float real(String attribute, float otherwise) {
      Attribute a = attributes.get(attribute);
      return a == null ? otherwise : a.f();
    }

    long[] ints(String attribute) {
      Attribute a = attributes.get(attribute);
      return a == null ? null : a.ints();
    }

    String text(String attribute, String otherwise) {
      Attribute a = attributes.get(attribute);
      return a == null ? otherwise : a.s();
    }
  }

  final List<Node> nodes;
  final Map<String, Tensor> constants;
  /** The graph's inputs that are not weights, with their shapes (-1 for a free dimension). */
  final Map<String, long[]> inputs;
  final List<String> outputs;

  private OnnxGraph(List<Node> nodes, Map<String, Tensor> constants, Map<String, long[]> inputs,
      List<String> outputs) {
    this.nodes = nodes;
    this.constants = constants;
    this.inputs = inputs;
    this.outputs = outputs;
  }

  /**
   * Reads a model file.
   *
   * @param file the {@code .onnx} file (its external data files beside it)
   * @return the graph
   * @throws IOException if the file or a data file cannot be read
   * @throws IllegalArgumentException if the bytes are not an ONNX model (the message says why)
   */
  static OnnxGraph read(Path file) throws IOException {
    ByteBuffer bytes;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      if (ch.size() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("larger than 2 GB: keep its weights in external"
            + " data files (onnx.save_model(..., save_as_external_data=True))");
      }
      bytes = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
    }
    Path folder = file.toAbsolutePath().getParent();
    ProtoReader m = new ProtoReader(bytes, 0, bytes.limit());
    ProtoReader graph = null;
    while (m.more()) {
      long tag = m.varint();
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      if (field == 7 && wire == 2) {
        graph = m.message();
      } else {
        m.skip(wire);
      }
    }
    if (graph == null) {
      throw new IllegalArgumentException("not an ONNX model: no graph in it");
    }
    List<Node> nodes = new ArrayList<>();
    Map<String, Tensor> constants = new HashMap<>();
    Map<String, long[]> inputs = new LinkedHashMap<>();
    List<String> outputs = new ArrayList<>();
    while (graph.more()) {
      long tag = graph.varint();
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      if (field == 1 && wire == 2) {
        nodes.add(node(graph.message(), folder));
      } else if (field == 5 && wire == 2) {
        Tensor t = tensor(graph.message(), folder);
        constants.put(t.name(), t);
      } else if (field == 11 && wire == 2) {
        OnnxModelInfo.Tensor v = OnnxModelInfo.valueInfo(graph.message());
        inputs.put(v.name(), v.shape());
      } else if (field == 12 && wire == 2) {
        outputs.add(OnnxModelInfo.valueInfo(graph.message()).name());
      } else {
        graph.skip(wire);
      }
    }
    inputs.keySet().removeAll(constants.keySet());
    // Constant and Identity-of-constant nodes are constants, not computation.
    List<Node> computation = new ArrayList<>();
    for (Node n : nodes) {
      if (n.op().equals("Constant") && n.attributes().containsKey("value")) {
        Tensor v = n.attributes().get("value").t();
        constants.put(n.outputs().get(0), new Tensor(n.outputs().get(0), v.dims(), v.floats(),
            v.longs()));
      } else if (n.op().equals("Identity") && constants.containsKey(n.inputs().get(0))) {
        Tensor v = constants.get(n.inputs().get(0));
        constants.put(n.outputs().get(0), new Tensor(n.outputs().get(0), v.dims(), v.floats(),
            v.longs()));
      } else {
        computation.add(n);
      }
    }
    return new OnnxGraph(Collections.unmodifiableList(computation), constants, inputs,
        List.copyOf(outputs));
  }

  private static Node node(ProtoReader r, Path folder) throws IOException {
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    String name = "";
    String op = "";
    String domain = "";
    Map<String, Attribute> attributes = new LinkedHashMap<>();
    while (r.more()) {
      long tag = r.varint();
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      if (wire != 2) {
        r.skip(wire);
      } else if (field == 1) {
        inputs.add(r.string());
      } else if (field == 2) {
        outputs.add(r.string());
      } else if (field == 3) {
        name = r.string();
      } else if (field == 4) {
        op = r.string();
      } else if (field == 5) {
        Attribute a = attribute(r.message(), folder);
        attributes.put(a.name(), a);
      } else if (field == 7) {
        domain = r.string();
      } else {
        r.skip(wire);
      }
    }
    if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
      op = domain + "." + op;
    }
    return new Node(op, name, inputs, outputs, attributes);
  }

  private static Attribute attribute(ProtoReader r, Path folder) throws IOException {
    String name = "";
    long i = 0;
    float f = 0;
    String s = "";
    List<Long> ints = new ArrayList<>();
    List<Float> floats = new ArrayList<>();
    Tensor t = null;
    while (r.more()) {
      long tag = r.varint();
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      if (field == 1 && wire == 2) {
        name = r.string();
      } else if (field == 2 && wire == 5) {
        f = r.fixed32Float();
      } else if (field == 3 && wire == 0) {
        i = r.varint();
      } else if (field == 4 && wire == 2) {
        s = r.string();
      } else if (field == 5 && wire == 2) {
        t = tensor(r.message(), folder);
      } else if (field == 7 && wire == 5) {
        floats.add(r.fixed32Float());
      } else if (field == 7 && wire == 2) {
        ProtoReader p = r.message();
        while (p.more()) {
          floats.add(p.fixed32Float());
        }
      } else if (field == 8 && wire == 0) {
        ints.add(r.varint());
      } else if (field == 8 && wire == 2) {
        ProtoReader p = r.message();
        while (p.more()) {
          ints.add(p.varint());
        }
      } else {
        r.skip(wire);
      }
    }
    long[] is = new long[ints.size()];
    for (int k = 0; k < is.length; k++) {
      is[k] = ints.get(k);
    }
    float[] fs = new float[floats.size()];
    for (int k = 0; k < fs.length; k++) {
      fs[k] = floats.get(k);
    }
    return new Attribute(name, i, f, s, is, fs, t);
  }

  private static Tensor tensor(ProtoReader r, Path folder) throws IOException {
    List<Long> dims = new ArrayList<>();
    int type = 0;
    String name = "";
    ByteBuffer raw = null;
    List<Float> floatData = new ArrayList<>();
    List<Long> intData = new ArrayList<>();
    Map<String, String> external = new HashMap<>();
    boolean isExternal = false;
    while (r.more()) {
      long tag = r.varint();
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      if (field == 1 && wire == 0) {
        dims.add(r.varint());
      } else if (field == 1 && wire == 2) {
        ProtoReader p = r.message();
        while (p.more()) {
          dims.add(p.varint());
        }
      } else if (field == 2 && wire == 0) {
        type = (int) r.varint();
      } else if (field == 4 && wire == 2) {
        ProtoReader p = r.message();
        while (p.more()) {
          floatData.add(p.fixed32Float());
        }
      } else if (field == 4 && wire == 5) {
        floatData.add(r.fixed32Float());
      } else if ((field == 5 || field == 7) && wire == 2) {
        ProtoReader p = r.message();
        while (p.more()) {
          intData.add(p.varint());
        }
      } else if ((field == 5 || field == 7) && wire == 0) {
        intData.add(r.varint());
      } else if (field == 8 && wire == 2) {
        name = r.string();
      } else if (field == 9 && wire == 2) {
        raw = r.bytes();
      } else if (field == 13 && wire == 2) {
        ProtoReader e = r.message();
        String key = null;
        String value = null;
        while (e.more()) {
          long et = e.varint();
          if (et >>> 3 == 1 && (et & 7) == 2) {
            key = e.string();
          } else if (et >>> 3 == 2 && (et & 7) == 2) {
            value = e.string();
          } else {
            e.skip((int) (et & 7));
          }
        }
        if (key != null) {
          external.put(key, value);
        }
      } else if (field == 14 && wire == 0) {
        isExternal = r.varint() == 1;
      } else {
        r.skip(wire);
      }
    }
    long[] shape = new long[dims.size()];
    long count = 1;
    for (int k = 0; k < shape.length; k++) {
      shape[k] = dims.get(k);
      count *= shape[k];
    }
    if (isExternal || external.containsKey("location")) {
      raw = externalBytes(folder, name, external);
    }
    if (count > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("tensor '" + name + "' has " + count + " values, more"
          + " than a Java array holds");
    }
    int n = (int) count;
    switch (type) {
      case 1, 10, 16, 11 -> {
        float[] v = new float[n];
        if (raw != null) {
          int width = type == 1 ? 4 : type == 11 ? 8 : 2;
          if (raw.remaining() != (long) n * width) {
            throw new IllegalArgumentException("tensor '" + name + "' holds " + raw.remaining()
                + " bytes for " + n + " values of " + width + " bytes");
          }
          for (int k = 0; k < n; k++) {
            v[k] = switch (type) {
              case 1 -> raw.getFloat(4 * k);
              case 11 -> (float) raw.getDouble(8 * k);
              case 10 -> ai.onnxruntime.platform.Fp16Conversions.fp16ToFloat(raw.getShort(2 * k));
              default -> Float.intBitsToFloat((raw.getShort(2 * k) & 0xffff) << 16);
            };
          }
        } else if (type == 1 && floatData.size() == n) {
          for (int k = 0; k < n; k++) {
            v[k] = floatData.get(k);
          }
        } else if ((type == 10 || type == 16) && intData.size() == n) {
          for (int k = 0; k < n; k++) {
            short bits = (short) (long) intData.get(k);
            v[k] = type == 10 ? ai.onnxruntime.platform.Fp16Conversions.fp16ToFloat(bits)
                : Float.intBitsToFloat((bits & 0xffff) << 16);
          }
        } else if (n != 0) {
          throw new IllegalArgumentException("tensor '" + name + "' of " + n + " values has no"
              + " data this reader understands");
        }
        return new Tensor(name, shape, v, null);
      }
      case 6, 7 -> {
        long[] v = new long[n];
        if (raw != null) {
          for (int k = 0; k < n; k++) {
            v[k] = type == 7 ? raw.getLong(8 * k) : raw.getInt(4 * k);
          }
        } else if (intData.size() == n) {
          for (int k = 0; k < n; k++) {
            v[k] = intData.get(k);
          }
        }
        return new Tensor(name, shape, null, v);
      }
      default -> {
        // Other element types (bool, strings, ...) are kept by name only: an operator that needs
        // their values says so when it is converted.
        return new Tensor(name, shape, null, null);
      }
    }
  }

  private static ByteBuffer externalBytes(Path folder, String tensor, Map<String, String> e)
      throws IOException {
    String location = e.get("location");
    if (location == null) {
      throw new IllegalArgumentException("tensor '" + tensor + "' is external but names no"
          + " location");
    }
    Path data = folder.resolve(location).normalize();
    if (!data.startsWith(folder)) {
      throw new IllegalArgumentException("tensor '" + tensor + "' names a data file outside the"
          + " model's folder: " + location);
    }
    long offset = e.containsKey("offset") ? Long.parseLong(e.get("offset")) : 0;
    long length = e.containsKey("length") ? Long.parseLong(e.get("length"))
        : Files.size(data) - offset;
    try (FileChannel ch = FileChannel.open(data, StandardOpenOption.READ)) {
      if (offset < 0 || length < 0 || offset + length > ch.size()) {
        throw new IllegalArgumentException(data + ": tensor '" + tensor + "' lies at bytes "
            + offset + ".." + (offset + length) + ", past the file's " + ch.size());
      }
      return ch.map(FileChannel.MapMode.READ_ONLY, offset, length)
          .order(ByteOrder.LITTLE_ENDIAN);
    }
  }
}
