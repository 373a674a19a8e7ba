package io.github.embeddings4j.core.io;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The small JSON this package writes beside its files (descriptions, commit journals): objects
 * whose values are strings, integers, booleans, null or nested objects (and, when read, arrays
 * and decimal numbers, which model records hold). Output is pure ASCII
 * (everything else as {@code \\uXXXX}), so that names with any characters, even lone surrogates
 * standing for undecodable bytes, survive; Python's {@code json.load} reads it.
 */
public final class JsonText {

  private JsonText() {}

  /**
   * A JSON string literal: quoted, escaped, pure ASCII.
   *
   * @param s the text
   * @return the literal, quotes included
   */
  public static String quote(String s) {
    StringBuilder sb = new StringBuilder();
    string(sb, s);
    return sb.toString();
  }

  static String write(Map<String, ?> object) {
    StringBuilder sb = new StringBuilder();
    write(sb, object, "");
    return sb.append('\n').toString();
  }

  private static void write(StringBuilder sb, Map<String, ?> object, String indent) {
    sb.append("{");
    boolean first = true;
    for (Map.Entry<String, ?> e : object.entrySet()) {
      sb.append(first ? "\n" : ",\n").append(indent).append("  ");
      first = false;
      string(sb, e.getKey());
      sb.append(": ");
      Object v = e.getValue();
      if (v == null) {
        sb.append("null");
      } else if (v instanceof Map<?, ?> m) {
        @SuppressWarnings("unchecked")
        Map<String, ?> nested = (Map<String, ?>) m;
        write(sb, nested, indent + "  ");
      } else if (v instanceof Number || v instanceof Boolean) {
        sb.append(v);
      } else {
        string(sb, v.toString());
      }
    }
    sb.append(first ? "}" : "\n" + indent + "}");
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20 || c >= 0x7f) {
        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    sb.append('"');
  }

  /**
   * Parses one object: values are {@code String}, {@code Long}, {@code Double}, {@code Boolean},
   * {@code null}, {@code List<Object>} or {@code Map<String, Object>}.
   *
   * @param text the JSON text
   * @return the object, keys in their order
   * @throws IllegalArgumentException with the position, if the text is not such an object
   */
  public static Map<String, Object> parse(String text) {
    Parser p = new Parser(text);
    p.space();
    Map<String, Object> m = p.object();
    p.space();
    if (p.pos != text.length()) {
      throw p.error("text after the object");
    }
    return m;
  }

  private static final class Parser {
    private final String s;
    private int pos;

    Parser(String s) {
      this.s = s;
    }

    IllegalArgumentException error(String what) {
      return new IllegalArgumentException("not valid JSON at character " + pos + ": " + what);
    }

    void space() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }

    void expect(char c) {
      space();
      if (pos >= s.length() || s.charAt(pos) != c) {
        throw error("expected '" + c + "'");
      }
      pos++;
    }

    Map<String, Object> object() {
      expect('{');
      Map<String, Object> m = new LinkedHashMap<>();
      space();
      if (pos < s.length() && s.charAt(pos) == '}') {
        pos++;
        return m;
      }
      while (true) {
        space();
        String key = string();
        expect(':');
        space();
        m.put(key, value());
        space();
        if (pos < s.length() && s.charAt(pos) == ',') {
          pos++;
          continue;
        }
        expect('}');
        return m;
      }
    }

    Object value() {
      if (pos >= s.length()) {
        throw error("the text ends");
      }
      char c = s.charAt(pos);
      if (c == '{') {
        return object();
      }
      if (c == '[') {
        pos++;
        java.util.List<Object> list = new java.util.ArrayList<>();
        space();
        if (pos < s.length() && s.charAt(pos) == ']') {
          pos++;
          return list;
        }
        while (true) {
          space();
          list.add(value());
          space();
          if (pos < s.length() && s.charAt(pos) == ',') {
            pos++;
            continue;
          }
          expect(']');
          return list;
        }
      }
      if (c == '"') {
        return string();
      }
      for (String word : new String[] {"true", "false", "null"}) {
        if (s.startsWith(word, pos)) {
          pos += word.length();
          return word.equals("null") ? null : Boolean.valueOf(word);
        }
      }
      int start = pos;
      while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
        pos++;
      }
      String number = s.substring(start, pos);
      try {
        return number.matches("-?[0-9]+") ? (Object) Long.valueOf(number)
            : (Object) Double.valueOf(number);
      } catch (NumberFormatException e) {
        throw error("expected a value");
      }
    }

    String string() {
      if (pos >= s.length() || s.charAt(pos) != '"') {
        throw error("expected a string");
      }
      pos++;
      StringBuilder sb = new StringBuilder();
      while (true) {
        if (pos >= s.length()) {
          throw error("unterminated string");
        }
        char c = s.charAt(pos++);
        if (c == '"') {
          return sb.toString();
        }
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        if (pos >= s.length()) {
          throw error("unterminated escape");
        }
        char e = s.charAt(pos++);
        switch (e) {
          case '"', '\\', '/' -> sb.append(e);
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'u' -> {
            if (pos + 4 > s.length()) {
              throw error("short \\u escape");
            }
            try {
              sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            } catch (NumberFormatException x) {
              throw error("bad \\u escape");
            }
            pos += 4;
          }
          default -> throw error("unknown escape \\" + e);
        }
      }
    }
  }
}
