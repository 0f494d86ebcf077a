package io.hotset.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.hotset.ValueType;
import io.hotset.spi.ValueCodec;

/** The default codec: JSON via Jackson, typed by the region's full generic value type. */
public final class JsonCodec<V> implements ValueCodec<V> {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .findAndAddModules()
      .build();

  private final ObjectReader reader;
  private final ObjectWriter writer;

  private JsonCodec(JavaType type) {
    this.reader = MAPPER.readerFor(type);
    this.writer = MAPPER.writerFor(type);
  }

  /** A JSON codec of the given type. */
  public static <V> JsonCodec<V> of(ValueType<V> valueType) {
    return new JsonCodec<>(MAPPER.getTypeFactory().constructType(valueType.type()));
  }

  @Override
  public byte[] encode(V value) throws Exception {
    return writer.writeValueAsBytes(value);
  }

  @Override
  public V decode(byte[] bytes) throws Exception {
    return reader.readValue(bytes);
  }

  @Override
  public V decode(byte[] bytes, int offset, int length) throws Exception {
    return reader.readValue(bytes, offset, length);
  }
}
