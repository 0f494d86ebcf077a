package io.hotset.catalog.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ProductDocTest {
  private final ObjectMapper mapper = new ObjectMapper();
  private final Product product = new Product(42, "Lamp", "a lamp ".repeat(700), "Lighting", 7, 1999, "EUR", 4.5, 12,
      3, 9);

  @Test
  void rendersTheSameBodyAsTheRecordSerializedDirectly() throws Exception {
    ProductDoc d = ProductDoc.render(product, mapper);
    assertThat(d.id()).isEqualTo(42);
    assertThat(d.categoryId()).isEqualTo(7);
    assertThat(d.version()).isEqualTo(9);
    assertThat(d.json()).isEqualTo(mapper.writeValueAsBytes(product));
    assertThat(mapper.readValue(d.json(), Product.class)).isEqualTo(product);
    assertThat(ProductDoc.render(null, mapper)).isNull();
  }

  @Test
  void headerValuesAndTheGzippedBodyAreDerivedOncePerInstance() throws Exception {
    ProductDoc d = ProductDoc.render(product, mapper);
    assertThat(d.etag()).isEqualTo(io.hotset.http.ETags.strong(9)).isSameAs(d.etag());
    assertThat(d.surrogateKeys()).isEqualTo("product:42 category:7").isSameAs(d.surrogateKeys());
    byte[] z = d.gzip();
    assertThat(z).isSameAs(d.gzip());
    assertThat(z.length).isLessThan(d.json().length / 2);
    try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(z))) {
      assertThat(in.readAllBytes()).isEqualTo(d.json());
    }
    // a new version is a new instance with its own derived values
    ProductDoc next = new ProductDoc(42, 8, 10, d.json());
    assertThat(next.etag()).isEqualTo(io.hotset.http.ETags.strong(10));
    assertThat(next.surrogateKeys()).isEqualTo("product:42 category:8");
  }

  @Test
  void codecRoundTripsWithAndWithoutAnOffset() {
    ProductDoc d = ProductDoc.render(product, mapper);
    ProductDoc.Codec codec = new ProductDoc.Codec();
    byte[] bytes = codec.encode(d);
    assertThat(bytes).hasSize(24 + 4 + d.json().length + d.gzip().length);
    assertThat(codec.decode(bytes)).isEqualTo(d);
    byte[] framed = new byte[bytes.length + 10];
    System.arraycopy(bytes, 0, framed, 7, bytes.length);
    ProductDoc again = codec.decode(framed, 7, bytes.length);
    assertThat(again).isEqualTo(d);
    assertThat(again.toString()).contains("id=42").contains("version=9").doesNotContain("lamp");
  }

  @Test
  void decodedProductsCarryTheirGzipBodyAndTheEarlierFormStillDecodes() {
    ProductDoc d = ProductDoc.render(product, mapper);
    ProductDoc.Codec codec = new ProductDoc.Codec();
    ProductDoc again = codec.decode(codec.encode(d));
    assertThat(again.gzip()).isEqualTo(d.gzip());
    // written by the version before this one: 24 header bytes, then the body, no gzip form
    byte[] earlier = java.nio.ByteBuffer.allocate(24 + d.json().length).putLong(42).putLong(7).putLong(9)
        .put(d.json()).array();
    ProductDoc old = codec.decode(earlier);
    assertThat(old).isEqualTo(d);
    assertThat(old.gzip()).isEqualTo(d.gzip()); // compressed on first use instead
  }

  @Test
  void codecRejectsBytesThatAreNotACachedProduct() {
    ProductDoc.Codec codec = new ProductDoc.Codec();
    assertThatThrownBy(() -> codec.decode(new byte[10])).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got 10");
    // what the region stored before it cached rendered products: plain JSON of the record
    byte[] oldFormat = "{\"id\":42,\"name\":\"Lamp\",\"description\":\"a lamp\"}".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> codec.decode(oldFormat)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a JSON object");
    byte[] truncated = Arrays.copyOf(codec.encode(ProductDoc.render(product, mapper)), 100);
    assertThatThrownBy(() -> codec.decode(truncated)).isInstanceOf(IllegalArgumentException.class);
    byte[] whole = codec.encode(ProductDoc.render(product, mapper));
    byte[] badGzip = whole.clone();
    int gzipStart = whole.length - ProductDoc.render(product, mapper).gzip().length;
    badGzip[gzipStart] = 0;
    assertThatThrownBy(() -> codec.decode(badGzip)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not gzip");
  }
}
