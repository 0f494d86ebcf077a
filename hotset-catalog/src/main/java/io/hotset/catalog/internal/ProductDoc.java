package io.hotset.catalog.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hotset.spi.ValueCodec;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A product rendered once: the JSON body of {@code GET /products/{id}} and the fields its headers
 * need (entity tag from the version, surrogate keys from the ids). This, not {@link Product}, is
 * what the {@code product} region caches: an L1 hit writes the bytes as they are, and an L2 hit
 * costs a copy instead of a JSON parse and a second serialization. It also halves the memory of
 * an entry (one copy of the text, not a record plus its rendering).
 *
 * <p>The body is shared, never copied: callers must not modify {@link #json()}.
 */
public record ProductDoc(long id, long categoryId, long version, byte[] json) {
  private static final int HEADER = 3 * Long.BYTES;

  /** Renders {@code p}, or returns null for null (a negative answer). */
  public static ProductDoc render(Product p, ObjectMapper mapper) {
    if (p == null) {
      return null;
    }
    try {
      return new ProductDoc(p.id(), p.categoryId(), p.version(), mapper.writeValueAsBytes(p));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize product " + p.id(), e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ProductDoc d && d.id == id && d.categoryId == categoryId && d.version == version
        && Arrays.equals(d.json, json);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(id) * 31 + Long.hashCode(version);
  }

  @Override
  public String toString() {
    return "ProductDoc[id=" + id + ", categoryId=" + categoryId + ", version=" + version + ", " + json.length
        + " bytes]";
  }

  /**
   * The L2 form: id, category id and version as three big-endian longs, then the JSON body as
   * served. Decoding reads 24 bytes and copies the rest; it never parses JSON.
   */
  public static final class Codec implements ValueCodec<ProductDoc> {
    @Override
    public byte[] encode(ProductDoc d) {
      return ByteBuffer.allocate(HEADER + d.json.length).putLong(d.id).putLong(d.categoryId).putLong(d.version)
          .put(d.json).array();
    }

    @Override
    public ProductDoc decode(byte[] bytes) {
      return decode(bytes, 0, bytes.length);
    }

    @Override
    public ProductDoc decode(byte[] bytes, int offset, int length) {
      if (length < HEADER + 2) {
        throw new IllegalArgumentException("a cached product needs at least " + (HEADER + 2) + " bytes, got "
            + length);
      }
      ByteBuffer b = ByteBuffer.wrap(bytes, offset, length);
      long id = b.getLong();
      long categoryId = b.getLong();
      long version = b.getLong();
      byte[] json = Arrays.copyOfRange(bytes, offset + HEADER, offset + length);
      if (json[0] != '{' || json[json.length - 1] != '}') {
        throw new IllegalArgumentException("the cached body of product " + id + " is not a JSON object");
      }
      return new ProductDoc(id, categoryId, version, json);
    }
  }
}
