package io.hotset.internal;

import io.hotset.spi.ValueCodec;
import java.nio.charset.StandardCharsets;

/** The default codec of String-valued regions: plain UTF-8, no JSON quoting or escaping. */
public enum Utf8StringCodec implements ValueCodec<String> {
  INSTANCE;

  @Override
  public byte[] encode(String value) {
    return value.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String decode(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Override
  public String decode(byte[] bytes, int offset, int length) {
    return new String(bytes, offset, length, StandardCharsets.UTF_8);
  }
}
