package io.hotset;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The README's usage example, compiled and run here; the test fails if the README drifts from it. */
class ReadmeExampleTest {
  record Product(long id, String name, long priceCents, long categoryId, long version) {}

  /** Stands in for a JDBC repository. */
  static final class ProductRepository {
    final Map<Long, Product> rows = new ConcurrentHashMap<>();

    Product find(long id) {
      return rows.get(id);
    }

    Map<Long, Product> findAll(java.util.Set<Long> ids) {
      Map<Long, Product> out = new java.util.HashMap<>();
      ids.forEach(id -> { if (rows.containsKey(id)) out.put(id, rows.get(id)); });
      return out;
    }

    void updatePrice(long id, long cents) {
      rows.computeIfPresent(id, (k, p) -> new Product(id, p.name(), cents, p.categoryId(), p.version() + 1));
    }
  }

  @Test
  void theReadmeExampleRunsAndMatchesTheReadme() throws IOException {
    ProductRepository repository = new ProductRepository();
    repository.rows.put(42L, new Product(42, "Kettle", 2_999, 5, 1));
    SimpleMeterRegistry meterRegistry = new SimpleMeterRegistry();

    // README:start
    Hotset hotset = Hotset.builder()
        .meterRegistry(meterRegistry)          // per-region hit/miss/load metrics
        .build();

    Region<Long, Product> products = hotset.region(
        RegionSpec.builder("product", Long.class, Product.class)
            .maximumSize(100_000)                           // L1 bound (W-TinyLFU)
            .ttl(Duration.ofSeconds(60))                    // freshness budget, ±10% jitter
            .staleWhileRevalidate(Duration.ofSeconds(30))   // serve old while one refresh runs
            .staleIfError(Duration.ofMinutes(5))            // serve old if the database fails
            .negativeTtl(Duration.ofSeconds(5))             // remember missing ids briefly
            .tags(p -> List.of("category:" + p.categoryId()))
            .version(Product::version)
            .loader(repository::find)                       // one load per key at a time
            .batchLoader(repository::findAll)               // getAll: one call for all misses
            .build());

    Product kettle = products.get(42L);                     // L1 -> (L2) -> loader
    repository.updatePrice(42L, 2_499);                     // write the source first,
    products.invalidate(42L);                               // then invalidate every tier
    products.invalidateTag("category:5");                   // or a whole group
    // README:end

    assertThat(kettle.priceCents()).isEqualTo(2_999);
    assertThat(products.get(42L).priceCents()).isEqualTo(2_499);
    hotset.close();

    String source = Files.readString(Path.of("src/test/java/io/hotset/ReadmeExampleTest.java"));
    String snippet = between(source, "    // README:start\n", "    // README:end\n").lines()
        .map(line -> line.startsWith("    ") ? line.substring(4) : line.strip())
        .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
    String readme = Files.readString(Path.of("../README.md"));
    assertThat(readme).as("README.md must contain the example exactly as compiled here").contains(snippet);
  }

  private static String between(String text, String start, String end) {
    int from = text.indexOf(start) + start.length();
    return text.substring(from, text.indexOf(end, from));
  }
}
