package io.hotset.catalog.internal;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/** One category's ranked products from {@code top_products_per_category}: the {@code category-top} region's value. */
public record TopList(long categoryId, String categoryName, List<Entry> products) {

  public TopList {
    products = List.copyOf(products);
  }

  /** One ranked product. */
  @JsonPropertyOrder({"rank", "id", "name", "avgRating", "reviewCount"})
  public record Entry(int rank, long id, String name, Double avgRating, int reviewCount) {}
}
