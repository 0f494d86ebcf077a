package io.hotset.catalog.internal;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * A product as the service represents it (one {@code product_view} row): the cached value of the
 * {@code product} region and the JSON body of {@code GET /products/{id}}. {@code category} is the
 * category's name, {@code categoryId} its id; {@code avgRating} is null without reviews.
 */
@JsonPropertyOrder({"id", "name", "description", "category", "categoryId", "priceCents", "currency",
    "avgRating", "reviewCount", "stock", "version"})
public record Product(long id, String name, String description, String category, long categoryId,
    int priceCents, String currency, Double avgRating, int reviewCount, int stock, long version) {}
