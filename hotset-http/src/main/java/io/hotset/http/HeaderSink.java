package io.hotset.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Write access to a response's headers, so {@link StrongRoutePolicy} works with any framework.
 * Header names are case-insensitive: implementations must treat {@code cache-control} and
 * {@code Cache-Control} as the same header.
 */
public interface HeaderSink {
  /** Replaces every value of the header {@code name} with {@code value}. */
  void set(String name, String value);

  /** Removes every value of the header {@code name}; does nothing if it is absent. */
  void remove(String name);

  /**
   * A sink over two callbacks, e.g. for Javalin (Jetty removes a header set to null):
   * {@code HeaderSink.of(ctx.res()::setHeader, name -> ctx.res().setHeader(name, null))}.
   */
  static HeaderSink of(BiConsumer<String, String> set, Consumer<String> remove) {
    Objects.requireNonNull(set, "set");
    Objects.requireNonNull(remove, "remove");
    return new HeaderSink() {
      @Override
      public void set(String name, String value) {
        set.accept(name, value);
      }

      @Override
      public void remove(String name) {
        remove.accept(name);
      }
    };
  }

  /**
   * A sink over a mutable map from header name to values. Keys are matched case-insensitively, so
   * {@code set("Cache-Control", ...)} also replaces an existing {@code cache-control} entry.
   * Not thread-safe (neither is the map).
   */
  static HeaderSink of(Map<String, List<String>> headers) {
    Objects.requireNonNull(headers, "headers");
    return new HeaderSink() {
      @Override
      public void set(String name, String value) {
        remove(name);
        List<String> values = new ArrayList<>(1);
        values.add(value);
        headers.put(name, values);
      }

      @Override
      public void remove(String name) {
        headers.keySet().removeIf(k -> k != null && k.equalsIgnoreCase(name));
      }
    };
  }
}
