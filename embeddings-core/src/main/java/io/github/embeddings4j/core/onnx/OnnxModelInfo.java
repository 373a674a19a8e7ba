package io.github.embeddings4j.core.onnx;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What an ONNX file holds, read from its bytes without running it: inputs and outputs with their
 * shapes, the operator sets, how often each operator occurs, the number of parameters, and every
 * tensor a node produces (each can be asked for as an embedding). Reading it also tells a file
 * that is not ONNX, or is cut short, from a model: {@link #parse} fails with the reason.
 *
 * @param irVersion the ONNX IR version
 * @param producer the program that wrote the file, e.g. {@code "pytorch 1.13.1"}
 * @param opsets operator set per domain ({@code ""} is the default ONNX domain)
 * @param inputs the graph's inputs that are not weights, in order
 * @param outputs the graph's outputs, in order
 * @param operators how many nodes of each operator type, sorted by name
 * @param parameters the number of weight values (initializers)
 * @param tensors every tensor a node produces, in the file's order
 * @param externalData the files that hold weights outside the model file ({@code location} of
 *     the initializers stored as external data, relative to the model's folder), in the order
 *     first named; empty when every weight is in the file
 */
public record OnnxModelInfo(long irVersion, String producer, Map<String, Long> opsets,
    List<Tensor> inputs, List<Tensor> outputs, Map<String, Integer> operators, long parameters,
    List<String> tensors, List<String> externalData) {

  /**
   * A graph input or output: its name, element type and shape ({@code -1} where a dimension is
   * left open, e.g. the batch).
   *
   * @param name the tensor's name
   * @param type the element type, e.g. {@code "float32"}
   * @param shape its dimensions; empty when the file gives no shape
   */
  public record Tensor(String name, String type, long[] shape) {

    /**
     * Copies the shape.
     */
    public Tensor {
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }

    @Override
    public String toString() {
      StringBuilder s = new StringBuilder(name).append(' ').append(type).append(" [");
      for (int i = 0; i < shape.length; i++) {
        s.append(i == 0 ? "" : ", ").append(shape[i] < 0 ? "?" : String.valueOf(shape[i]));
      }
      return s.append(']').toString();
    }
  }

  /** Copies the collections. */
  public OnnxModelInfo {
    opsets = Collections.unmodifiableMap(new LinkedHashMap<>(opsets));
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    operators = Collections.unmodifiableMap(new TreeMap<>(operators));
    tensors = List.copyOf(tensors);
    externalData = List.copyOf(externalData);
  }

  /**
   * The operator set of the default ONNX domain.
   *
   * @return its version, or -1 if the file names none
   */
  public long opset() {
    Long v = opsets.get("");
    return v == null ? opsets.getOrDefault("ai.onnx", -1L) : v;
  }

  /**
   * Reads a model's description.
   *
   * @param model the file's bytes
   * @return the description
   * @throws IllegalArgumentException if the bytes are not an ONNX model, or are cut short; the
   *     message says which
   */
  public static OnnxModelInfo parse(byte[] model) {
    return parse(java.nio.ByteBuffer.wrap(model));
  }

  /**
   * Reads a model's description from a buffer, e.g. a read-only mapping of the file, so that a
   * model of up to 2 GB is read without a copy on the heap. The buffer's position is not moved.
   *
   * @param model the file's bytes, from the buffer's position to its limit
   * @return the description
   * @throws IllegalArgumentException if the bytes are not an ONNX model, or are cut short; the
   *     message says which
   */
  public static OnnxModelInfo parse(java.nio.ByteBuffer model) {
    java.nio.ByteBuffer b = model.slice();
    if (b.remaining() == 0) {
      throw new IllegalArgumentException("the file is empty");
    }
    ProtoReader m = new ProtoReader(b, 0, b.limit());
    long ir = -1;
    String producer = "";
    String version = "";
    Map<String, Long> opsets = new LinkedHashMap<>();
    int[] graph = null;
    while (m.more()) {
      long tag = m.varint();
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      if (field == 1 && wire == 0) {
        ir = m.varint();
      } else if (field == 2 && wire == 2) {
        producer = m.string();
      } else if (field == 3 && wire == 2) {
        version = m.string();
      } else if (field == 8 && wire == 2) {
        ProtoReader o = m.message();
        String domain = "";
        long v = -1;
        while (o.more()) {
          long t = o.varint();
          if (t >>> 3 == 1 && (t & 7) == 2) {
            domain = o.string();
          } else if (t >>> 3 == 2 && (t & 7) == 0) {
            v = o.varint();
          } else {
            o.skip((int) (t & 7));
          }
        }
        opsets.put(domain, v);
      } else if (field == 7 && wire == 2) {
        int len = (int) m.varint();
        graph = new int[] {m.position(), len};
        m.advance(len);
      } else {
        m.skip(wire);
      }
    }
    if (graph == null || ir < 1) {
      throw new IllegalArgumentException("not an ONNX model: no " + (graph == null ? "graph"
          : "IR version") + " in it");
    }
    ProtoReader g = new ProtoReader(b, graph[0], graph[0] + graph[1]);
    List<Tensor> inputs = new ArrayList<>();
    List<Tensor> outputs = new ArrayList<>();
    Map<String, Integer> operators = new TreeMap<>();
    Set<String> weights = new HashSet<>();
    List<String> tensors = new ArrayList<>();
    Set<String> external = new java.util.LinkedHashSet<>();
    long parameters = 0;
    while (g.more()) {
      long tag = g.varint();
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      if (field == 1 && wire == 2) {
        ProtoReader n = g.message();
        String op = "?";
        while (n.more()) {
          long t = n.varint();
          if (t >>> 3 == 2 && (t & 7) == 2) {
            tensors.add(n.string());
          } else if (t >>> 3 == 4 && (t & 7) == 2) {
            op = n.string();
          } else {
            n.skip((int) (t & 7));
          }
        }
        operators.merge(op, 1, Integer::sum);
      } else if (field == 5 && wire == 2) {
        ProtoReader t = g.message();
        long count = 1;
        String name = "";
        while (t.more()) {
          long tt = t.varint();
          if (tt >>> 3 == 1 && (tt & 7) == 0) {
            count *= t.varint();
          } else if (tt >>> 3 == 1 && (tt & 7) == 2) {
            ProtoReader packed = t.message();
            while (packed.more()) {
              count *= packed.varint();
            }
          } else if (tt >>> 3 == 8 && (tt & 7) == 2) {
            name = t.string();
          } else if (tt >>> 3 == 13 && (tt & 7) == 2) {
            // external_data: {key, value} entries; "location" names the file.
            ProtoReader entry = t.message();
            String key = null;
            String value = null;
            while (entry.more()) {
              long e = entry.varint();
              if (e >>> 3 == 1 && (e & 7) == 2) {
                key = entry.string();
              } else if (e >>> 3 == 2 && (e & 7) == 2) {
                value = entry.string();
              } else {
                entry.skip((int) (e & 7));
              }
            }
            if ("location".equals(key) && value != null) {
              external.add(value);
            }
          } else {
            t.skip((int) (tt & 7));
          }
        }
        weights.add(name);
        parameters += count;
      } else if ((field == 11 || field == 12) && wire == 2) {
        (field == 11 ? inputs : outputs).add(valueInfo(g.message()));
      } else {
        g.skip(wire);
      }
    }
    inputs.removeIf(t -> weights.contains(t.name()));
    String by = (producer + " " + version).trim();
    return new OnnxModelInfo(ir, by, opsets, inputs, outputs, operators, parameters, tensors,
        new ArrayList<>(external));
  }

  static Tensor valueInfo(ProtoReader r) {
    String name = "";
    String type = "?";
    List<Long> dims = new ArrayList<>();
    while (r.more()) {
      long t = r.varint();
      if (t >>> 3 == 1 && (t & 7) == 2) {
        name = r.string();
      } else if (t >>> 3 == 2 && (t & 7) == 2) {
        ProtoReader typeProto = r.message();
        while (typeProto.more()) {
          long tt = typeProto.varint();
          if (tt >>> 3 == 1 && (tt & 7) == 2) {
            ProtoReader tensor = typeProto.message();
            while (tensor.more()) {
              long x = tensor.varint();
              if (x >>> 3 == 1 && (x & 7) == 0) {
                type = elementType((int) tensor.varint());
              } else if (x >>> 3 == 2 && (x & 7) == 2) {
                ProtoReader shape = tensor.message();
                while (shape.more()) {
                  long y = shape.varint();
                  if (y >>> 3 == 1 && (y & 7) == 2) {
                    ProtoReader dim = shape.message();
                    long value = -1;
                    while (dim.more()) {
                      long z = dim.varint();
                      if (z >>> 3 == 1 && (z & 7) == 0) {
                        value = dim.varint();
                      } else {
                        dim.skip((int) (z & 7));
                      }
                    }
                    dims.add(value);
                  } else {
                    shape.skip((int) (y & 7));
                  }
                }
              } else {
                tensor.skip((int) (x & 7));
              }
            }
          } else {
            typeProto.skip((int) (tt & 7));
          }
        }
      } else {
        r.skip((int) (t & 7));
      }
    }
    long[] shape = new long[dims.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = dims.get(i);
    }
    return new Tensor(name, type, shape);
  }

  private static String elementType(int code) {
    return switch (code) {
      case 1 -> "float32";
      case 2 -> "uint8";
      case 3 -> "int8";
      case 6 -> "int32";
      case 7 -> "int64";
      case 9 -> "bool";
      case 10 -> "float16";
      case 11 -> "float64";
      case 16 -> "bfloat16";
      default -> "type " + code;
    };
  }
}
