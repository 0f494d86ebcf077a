package io.hotset.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TableMappingTest {

  @Test
  void rendersKeysAndTagsFromBothImages() {
    TableMapping m = TableMapping.table("products").key("product", "{product_id}")
        .tag("top", "category:{category_id}").surrogateKey("product:{product_id}").build();
    assertThat(m.qualifiedName()).isEqualTo("public.products");
    assertThat(m.columns()).containsExactly("product_id", "category_id");
    RowChange moved = new RowChange("public", "products", RowChange.Op.UPDATE,
        Map.of("product_id", "42", "category_id", "5"), Map.of("product_id", "42", "category_id", "6"), 1, 1);
    List<String> keys = new ArrayList<>();
    List<String> tags = new ArrayList<>();
    List<String> surrogates = new ArrayList<>();
    m.render(moved, (r, k) -> keys.add(r + "/" + k), (r, t) -> tags.add(r + "/" + t), surrogates::add);
    assertThat(keys).containsExactly("product/42", "product/42");
    assertThat(tags).containsExactly("top/category:5", "top/category:6");
    assertThat(surrogates).containsExactly("product:42", "product:42");
  }

  @Test
  void anImageWithoutTheColumnOrWithNullContributesNothing() {
    TableMapping m = TableMapping.table("shop.products").tag("top", "category:{category_id}").build();
    Map<String, String> nullCategory = new HashMap<>();
    nullCategory.put("product_id", "1");
    nullCategory.put("category_id", null);
    RowChange keyOnlyDelete = new RowChange("shop", "products", RowChange.Op.DELETE, Map.of("product_id", "1"),
        Map.of(), 1, 1);
    List<String> tags = new ArrayList<>();
    m.render(keyOnlyDelete, (r, k) -> { }, (r, t) -> tags.add(t), s -> { });
    m.render(new RowChange("shop", "products", RowChange.Op.INSERT, Map.of(), nullCategory, 1, 1), (r, k) -> { },
        (r, t) -> tags.add(t), s -> { });
    assertThat(tags).isEmpty();
    assertThat(m.schema()).isEqualTo("shop");
  }

  @Test
  void badDeclarationsNameTheProblem() {
    assertThatThrownBy(() -> TableMapping.table("a.b.c")).hasMessageContaining("a.b.c");
    assertThatThrownBy(() -> TableMapping.table("bad name")).hasMessageContaining("bad name");
    assertThatThrownBy(() -> TableMapping.table("t").key("r", "no placeholder")).hasMessageContaining("names no column");
    assertThatThrownBy(() -> TableMapping.table("t").key("r", "{a b}")).hasMessageContaining("{a b}");
    assertThatThrownBy(() -> TableMapping.table("t").key("r", "x{id")).hasMessageContaining("unbalanced");
    assertThatThrownBy(() -> TableMapping.table("t").key(" ", "{id}")).hasMessageContaining("region");
    assertThatThrownBy(() -> TableMapping.table("t").build()).hasMessageContaining("invalidates nothing");
    assertThatThrownBy(() -> ChangeCapture.builder().jdbcUrl("mysql://x")).hasMessageContaining("mysql://x");
    assertThatThrownBy(() -> ChangeCapture.builder().slotName("Bad-Slot")).hasMessageContaining("Bad-Slot");
  }
}
