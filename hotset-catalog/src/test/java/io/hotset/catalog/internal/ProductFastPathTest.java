package io.hotset.catalog.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProductFastPathTest {

  @Test
  void takesOnlyThePlainProductPath() {
    assertThat(ProductFastPath.productId("/products/1")).isEqualTo(1);
    assertThat(ProductFastPath.productId("/products/007")).isEqualTo(7);
    assertThat(ProductFastPath.productId("/products/123456789012345678")).isEqualTo(123456789012345678L);
    for (String other : new String[] {null, "/products/", "/products/1/", "/products/1/views", "/products/-1",
        "/products/1a", "/products//1", "/Products/1", "/products/%31", "/products/1234567890123456789",
        "/strong/products/1", "//products/1", "/products/1;x"}) {
      assertThat(ProductFastPath.productId(other)).as(other).isEqualTo(-1);
    }
    assertThat(ProductFastPath.productId("/products/0")).as("0 is left to the route's 400").isZero();
  }

  @Test
  void gzipOnlyWhenAcceptEncodingAdmitsIt() {
    for (String yes : new String[] {"gzip", "GZIP", "deflate, gzip", "gzip;q=0.5", "br;q=1.0, gzip;q=0.8", "*",
        "x-gzip", "gzip ; q=1", "identity, *;q=0.1", "gzip, deflate, br", "br, gzip", " gzip ", "deflate,GZip",
        "br,x-gzip,deflate"}) {
      assertThat(ProductFastPath.acceptsGzip(yes)).as(yes).isTrue();
    }
    for (String no : new String[] {null, "", "identity", "br", "gzip;q=0", "gzip;q=0.0, *", "*;q=0", "gzip;q=x",
        "deflate", "gzipx", "x-gzipped, br", "gzip-like", ",", "gz ip", "br, deflate"}) {
      assertThat(ProductFastPath.acceptsGzip(no)).as(no).isFalse();
    }
  }
}
