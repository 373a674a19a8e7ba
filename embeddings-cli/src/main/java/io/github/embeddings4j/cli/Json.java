package io.github.embeddings4j.cli;

import java.util.Locale;
import java.util.Map;

/** Writes flat JSON objects for scripts (the {@code --json} output). */
final class Json {

  private Json() {}

  /**
   * One JSON object on one line. Values may be strings, numbers, booleans, null, lists (arrays)
   * or maps (objects); non-finite numbers become {@code null}, since JSON has no NaN.
   *
   * @param fields the fields, in order
   * @return the object
   */
  static String object(Map<String, ?> fields) {
    StringBuilder sb = new StringBuilder();
    object(sb, fields);
    return sb.toString();
  }

  private static void object(StringBuilder sb, Map<?, ?> fields) {
    sb.append('{');
    boolean first = true;
    for (Map.Entry<?, ?> e : fields.entrySet()) {
      if (!first) {
        sb.append(", ");
      }
      first = false;
      string(sb, String.valueOf(e.getKey()));
      sb.append(": ");
      value(sb, e.getValue());
    }
    sb.append('}');
  }

  /** A value: lists become arrays and maps nested objects, as in {@link #object(Map)}. */
  private static void value(StringBuilder sb, Object v) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      sb.append(Double.isFinite(d) ? String.format(Locale.ROOT, "%s", d) : "null");
    } else if (v instanceof Number || v instanceof Boolean) {
      sb.append(v);
    } else if (v instanceof Map<?, ?> m) {
      object(sb, m);
    } else if (v instanceof java.util.List<?> list) {
      sb.append('[');
      for (int i = 0; i < list.size(); i++) {
        sb.append(i == 0 ? "" : ", ");
        value(sb, list.get(i));
      }
      sb.append(']');
    } else {
      string(sb, v.toString());
    }
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
