package io.hotset.catalog.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hotset.spi.ValueCodec;
import io.hotset.http.ETags;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.GZIPOutputStream;

/**
 * A product rendered once: the JSON body of {@code GET /products/{id}} and the fields its headers
 * need (entity tag from the version, surrogate keys from the ids). This, not {@link Product}, is
 * what the {@code product} region caches: an L1 hit writes the bytes as they are, and an L2 hit
 * costs a copy instead of a JSON parse and a second serialization. It also halves the memory of
 * an entry (one copy of the text, not a record plus its rendering).
 *
 * <p>The body is shared, never copied: callers must not modify {@link #json()}.
 */
public final class ProductDoc {
  private static final int HEADER = 3 * Long.BYTES;

  private final long id;
  private final long categoryId;
  private final long version;
  private final byte[] json;
  // Derived once per cached version, on first use, by whichever thread gets there first (a race
  // computes the same value twice, never a wrong one). Strings are immutable; the gzip array is
  // published through a volatile so its contents are visible with it.
  private String etag;
  private String surrogateKeys;
  private volatile byte[] gzip;

  public ProductDoc(long id, long categoryId, long version, byte[] json) {
    this.id = id;
    this.categoryId = categoryId;
    this.version = version;
    this.json = Objects.requireNonNull(json, "json");
  }

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

  public long id() {
    return id;
  }

  public long categoryId() {
    return categoryId;
  }

  public long version() {
    return version;
  }

  /** The JSON body, shared: do not modify. */
  public byte[] json() {
    return json;
  }

  /** The strong entity tag of this version ({@link ETags#strong(long)}). */
  public String etag() {
    String e = etag;
    if (e == null) {
      etag = e = ETags.strong(version);
    }
    return e;
  }

  /** The {@code xkey} value: the product's surrogate key and its category's. */
  public String surrogateKeys() {
    String k = surrogateKeys;
    if (k == null) {
      surrogateKeys = k = CatalogHttpApi.productSurrogateKeys(id, categoryId);
    }
    return k;
  }

  /**
   * The body gzipped, compressed on first use and kept for as long as this version is cached
   * (the next version is a new instance), so a cached product is compressed once, not once per
   * request. Shared: do not modify.
   */
  public byte[] gzip() {
    byte[] z = gzip;
    if (z == null) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(json.length / 3 + 64);
      try (GZIPOutputStream g = new GZIPOutputStream(out)) {
        g.write(json);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      gzip = z = out.toByteArray();
    }
    return z;
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
   * The L2 form: id, category id and version as three big-endian longs, the JSON body's length
   * (an int), the JSON body as served, then its gzip form, so that an L2 hit costs copies only: no
   * JSON parse, no compression. Decoding also reads the earlier form without the length and the
   * gzip form (the body follows the longs directly; a body starts with '{', a length below 16 MB
   * with a zero byte), so values written by an older version stay readable.
   */
  public static final class Codec implements ValueCodec<ProductDoc> {
    private static final int LENGTH = Integer.BYTES;

    @Override
    public byte[] encode(ProductDoc d) {
      byte[] z = d.gzip();
      return ByteBuffer.allocate(HEADER + LENGTH + d.json.length + z.length).putLong(d.id).putLong(d.categoryId)
          .putLong(d.version).putInt(d.json.length).put(d.json).put(z).array();
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
      byte[] json;
      byte[] gzip = null;
      if (bytes[offset + HEADER] == '{') { // the earlier form: the body only
        json = Arrays.copyOfRange(bytes, offset + HEADER, offset + length);
      } else {
        if (length < HEADER + LENGTH + 2) {
          throw new IllegalArgumentException("a cached product needs at least " + (HEADER + LENGTH + 2)
              + " bytes, got " + length);
        }
        int n = b.getInt();
        int start = offset + HEADER + LENGTH;
        if (n < 2 || n > length - HEADER - LENGTH) {
          throw new IllegalArgumentException("the cached body of product " + id + " is not a JSON object (a "
              + n + "-byte body in a " + length + "-byte value)");
        }
        json = Arrays.copyOfRange(bytes, start, start + n);
        int z = length - HEADER - LENGTH - n;
        if (z > 0) {
          if (z < 18 || (bytes[start + n] & 0xff) != 0x1f || (bytes[start + n + 1] & 0xff) != 0x8b) {
            throw new IllegalArgumentException("the cached gzip body of product " + id + " is not gzip");
          }
          gzip = Arrays.copyOfRange(bytes, start + n, offset + length);
        }
      }
      if (json[0] != '{' || json[json.length - 1] != '}') {
        throw new IllegalArgumentException("the cached body of product " + id + " is not a JSON object");
      }
      ProductDoc d = new ProductDoc(id, categoryId, version, json);
      d.gzip = gzip;
      return d;
    }
  }
}
