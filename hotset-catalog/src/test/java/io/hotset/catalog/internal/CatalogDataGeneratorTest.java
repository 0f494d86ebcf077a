package io.hotset.catalog.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class CatalogDataGeneratorTest {

  @Test
  void sameIdSameProduct() {
    assertThat(CatalogDataGenerator.product(42)).isEqualTo(CatalogDataGenerator.product(42));
    assertThat(CatalogDataGenerator.product(42)).isNotEqualTo(CatalogDataGenerator.product(43));
  }

  @Test
  void aboutFiveKilobytesPerProductWithItsReviews() {
    long bytes = 0;
    int n = 2_000;
    for (long id = 1; id <= n; id++) {
      CatalogDataGenerator.GeneratedProduct p = CatalogDataGenerator.product(id);
      bytes += p.name().length() + p.description().length() + 40;
      for (CatalogDataGenerator.Review r : p.reviews()) {
        bytes += r.body().length() + r.author().length() + 30;
        assertThat(r.rating()).isBetween(1, 5);
      }
    }
    // Text alone; with row and index overhead this is ~5 KB per product in PostgreSQL.
    assertThat(bytes / n).isBetween(3_000L, 6_000L);
  }

  @Test
  void productsLandInLeafCategoriesWithValidFields() {
    Set<Long> leaves = CatalogDataGenerator.leafCategories().stream()
        .map(CatalogDataGenerator.Category::id).collect(Collectors.toSet());
    for (long id = 1; id <= 500; id++) {
      CatalogDataGenerator.GeneratedProduct p = CatalogDataGenerator.product(id);
      assertThat(leaves).contains(p.categoryId());
      assertThat(p.priceCents()).isPositive();
      assertThat(p.currency()).matches("[A-Z]{3}");
      assertThat(p.stock()).isNotNegative();
    }
    assertThat(CatalogDataGenerator.categories()).hasSize(48);
  }
}
