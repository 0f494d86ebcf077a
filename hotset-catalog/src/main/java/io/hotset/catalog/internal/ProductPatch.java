package io.hotset.catalog.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A validated partial update of a product ({@code PUT /products/{id}}): only the fields present
 * in the body, each already checked. {@code description: null} clears the description; every
 * other field must have a value.
 */
public final class ProductPatch {
  static final int MAX_NAME = 200;
  static final int MAX_DESCRIPTION = 20_000;
  private static final Set<String> FIELDS =
      Set.of("name", "description", "categoryId", "priceCents", "currency", "stock");

  /** Column name -> value, in request order. */
  private final Map<String, Object> columns;

  private ProductPatch(Map<String, Object> columns) {
    this.columns = columns;
  }

  public Map<String, Object> columns() {
    return columns;
  }

  /**
   * Validates a request body.
   *
   * @throws ApiException 400 if the body is not a JSON object, 422 naming the field for a bad value
   */
  public static ProductPatch from(JsonNode body) {
    if (!(body instanceof ObjectNode object)) {
      throw ApiException.badRequest("the body must be a JSON object");
    }
    Map<String, Object> columns = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : object.properties()) {
      String field = e.getKey();
      JsonNode v = e.getValue();
      if (!FIELDS.contains(field)) {
        throw ApiException.invalid(field, "unknown field; updatable fields are " + String.join(", ",
            "name", "description", "categoryId", "priceCents", "currency", "stock"));
      }
      switch (field) {
        case "name" -> {
          String s = text(field, v);
          if (s.isBlank() || s.length() > MAX_NAME) {
            throw ApiException.invalid(field, "must be 1 to " + MAX_NAME + " characters and not blank");
          }
          columns.put("name", s);
        }
        case "description" -> {
          if (v.isNull()) {
            columns.put("description", null);
          } else {
            String s = text(field, v);
            if (s.length() > MAX_DESCRIPTION) {
              throw ApiException.invalid(field, "must be at most " + MAX_DESCRIPTION + " characters");
            }
            columns.put("description", s);
          }
        }
        case "categoryId" -> columns.put("category_id", (long) integer(field, v, 1, Integer.MAX_VALUE));
        case "priceCents" -> columns.put("price_cents", integer(field, v, 0, Integer.MAX_VALUE));
        case "stock" -> columns.put("stock", integer(field, v, 0, Integer.MAX_VALUE));
        case "currency" -> {
          String s = text(field, v);
          if (!s.matches("[A-Z]{3}")) {
            throw ApiException.invalid(field, "must be a 3-letter ISO 4217 code in capitals, was '" + abbreviate(s) + "'");
          }
          columns.put("currency", s);
        }
        default -> throw new IllegalStateException(field);
      }
    }
    if (columns.isEmpty()) {
      throw ApiException.invalid("body", "no field to update; give any of name, description, categoryId, "
          + "priceCents, currency, stock");
    }
    return new ProductPatch(columns);
  }

  private static String text(String field, JsonNode v) {
    if (!v.isTextual()) {
      throw ApiException.invalid(field, "must be a string, was " + describe(v));
    }
    return v.textValue();
  }

  private static int integer(String field, JsonNode v, int min, int max) {
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw ApiException.invalid(field, "must be an integer, was " + describe(v));
    }
    long n = v.longValue();
    if (n < min || n > max) {
      throw ApiException.invalid(field, "must be between " + min + " and " + max + ", was " + n);
    }
    return (int) n;
  }

  static String describe(JsonNode v) {
    if (v.isNull()) {
      return "null";
    }
    if (v.isTextual()) {
      return "the string '" + abbreviate(v.textValue()) + "'";
    }
    if (v.isNumber() || v.isBoolean()) {
      return abbreviate(v.asText());
    }
    return "a JSON " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }

  static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
