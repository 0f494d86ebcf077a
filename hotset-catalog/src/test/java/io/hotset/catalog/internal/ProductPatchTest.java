package io.hotset.catalog.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ProductPatchTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void keepsOnlyGivenFieldsAsColumns() {
    ProductPatch p = ProductPatch.from(json("{\"name\":\"Kettle\",\"priceCents\":1299,\"categoryId\":101,"
        + "\"currency\":\"EUR\",\"stock\":0,\"description\":null}"));
    assertThat(p.columns()).containsEntry("name", "Kettle").containsEntry("price_cents", 1299)
        .containsEntry("category_id", 101L).containsEntry("currency", "EUR").containsEntry("stock", 0)
        .containsEntry("description", null).hasSize(6);
  }

  @Test
  void rejectsNonObjectsAs400() {
    assertStatus("[1,2]", 400, "JSON object");
    assertStatus("\"x\"", 400, "JSON object");
  }

  @Test
  void rejectsBadValuesAs422NamingTheField() {
    assertStatus("{}", 422, "no field to update");
    assertStatus("{\"price\":1}", 422, "price: unknown field");
    assertStatus("{\"priceCents\":\"12\"}", 422, "priceCents: must be an integer");
    assertStatus("{\"priceCents\":-5}", 422, "priceCents: must be between 0");
    assertStatus("{\"priceCents\":1.5}", 422, "priceCents: must be an integer");
    assertStatus("{\"stock\":99999999999}", 422, "stock: must be between");
    assertStatus("{\"name\":\"  \"}", 422, "name: must be 1 to 200");
    assertStatus("{\"name\":null}", 422, "name: must be a string");
    assertStatus("{\"currency\":\"usd\"}", 422, "currency: must be a 3-letter");
    assertStatus("{\"categoryId\":0}", 422, "categoryId: must be between 1");
  }

  private static void assertStatus(String body, int status, String message) {
    assertThatThrownBy(() -> ProductPatch.from(json(body)))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(status))
        .hasMessageContaining(message);
  }

  private static JsonNode json(String s) {
    try {
      return JSON.readTree(s);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}
