package io.hotset;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Objects;

/**
 * A full generic value type, so codecs round-trip {@code List<Product>} without casts.
 * Capture one with an anonymous subclass: {@code new ValueType<List<Product>>() {}},
 * or use {@link #of(Class)} for plain classes.
 *
 * @param <T> the captured type
 */
public abstract class ValueType<T> {
  private final Type type;

  protected ValueType() {
    Type superclass = getClass().getGenericSuperclass();
    if (!(superclass instanceof ParameterizedType)) {
      throw new IllegalArgumentException(
          "ValueType must be created with a type argument, e.g. new ValueType<List<Item>>() {}");
    }
    this.type = ((ParameterizedType) superclass).getActualTypeArguments()[0];
  }

  private ValueType(Type type) {
    this.type = Objects.requireNonNull(type, "type");
  }

  /** The value type of a plain (non-generic) class. */
  public static <T> ValueType<T> of(Class<T> type) {
    return new ValueType<>(type) {};
  }

  /** The captured {@link Type}. */
  public final Type type() {
    return type;
  }

  @Override
  public String toString() {
    return type.getTypeName();
  }
}
