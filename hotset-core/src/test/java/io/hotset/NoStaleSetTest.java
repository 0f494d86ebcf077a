package io.hotset;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * DESIGN promise 1 inside a process, with the interleaving forced by latches:
 * load reads the old value -> invalidation returns -> load tries to fill.
 */
class NoStaleSetTest {
  record Item(String id, String price, String category) {}

  private final InMemoryTier l2 = new InMemoryTier();
  private final LocalInvalidationBus bus = new LocalInvalidationBus();
  private final Hotset a = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).l2(l2)
      .invalidationTransport(bus).instanceId("a").build();
  private final Hotset b = Hotset.builder().meterRegistry(new SimpleMeterRegistry()).l2(l2)
      .invalidationTransport(bus).instanceId("b").build();
  private final AtomicReference<String> source = new AtomicReference<>("5");

  @AfterEach
  void close() {
    a.close();
    b.close();
  }

  private Region<String, Item> region(Hotset hotset, CountDownLatch loaded, CountDownLatch proceed) {
    return hotset.region(RegionSpec.builder("item", String.class, Item.class)
        .ttl(Duration.ofMinutes(10))
        .tags(item -> List.of("category:" + item.category()))
        .loader(id -> {
          Item read = new Item(id, source.get(), "c1");
          loaded.countDown();
          if (!proceed.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("test latch timed out");
          }
          return read;
        })
        .build());
  }

  private void assertNoTierHoldsTheOldValue(Region<String, Item> region) {
    assertThat(region.getIfPresent("42")).isNull();
    assertThat(l2.data).doesNotContainKey("item:42");
    source.set("7");
    assertThat(region.get("42").price()).isEqualTo("7");
  }

  @Test
  void keyInvalidationDuringALoadKeepsTheOldValueOutOfEveryTier() throws Exception {
    CountDownLatch loaded = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    Region<String, Item> region = region(a, loaded, proceed);
    CompletableFuture<Item> reader = CompletableFuture.supplyAsync(() -> region.get("42"));
    assertThat(loaded.await(10, TimeUnit.SECONDS)).isTrue(); // the load has read "5"
    source.set("7");
    region.invalidate("42"); // the write's invalidation returns before the fill
    proceed.countDown();
    assertThat(reader.get(10, TimeUnit.SECONDS).price()).isEqualTo("5"); // a concurrent read may see it
    assertNoTierHoldsTheOldValue(region);
  }

  @Test
  void invalidationFromAnotherProcessDuringALoadKeepsTheOldValueOut() throws Exception {
    CountDownLatch loaded = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    Region<String, Item> inA = region(a, loaded, proceed);
    Region<String, Item> inB = region(b, new CountDownLatch(1), new CountDownLatch(0));
    CompletableFuture<Item> reader = CompletableFuture.supplyAsync(() -> inA.get("42"));
    assertThat(loaded.await(10, TimeUnit.SECONDS)).isTrue();
    inB.invalidate("42"); // B's invalidation reaches A through the bus before A's fill
    proceed.countDown();
    reader.get(10, TimeUnit.SECONDS);
    assertNoTierHoldsTheOldValue(inA);
  }

  @Test
  void tagInvalidationDuringALoadKeepsTheOldValueOut() throws Exception {
    CountDownLatch loaded = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    Region<String, Item> region = region(a, loaded, proceed);
    CompletableFuture<Item> reader = CompletableFuture.supplyAsync(() -> region.get("42"));
    assertThat(loaded.await(10, TimeUnit.SECONDS)).isTrue();
    region.invalidateTag("category:c1"); // tags are only known after the load
    proceed.countDown();
    reader.get(10, TimeUnit.SECONDS);
    assertNoTierHoldsTheOldValue(region);
  }

  @Test
  void aLoadThatStartedBeforeAPutDoesNotOverwriteIt() throws Exception {
    CountDownLatch loaded = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    Region<String, Item> region = region(a, loaded, proceed);
    CompletableFuture<Item> reader = CompletableFuture.supplyAsync(() -> region.get("42"));
    assertThat(loaded.await(10, TimeUnit.SECONDS)).isTrue();
    region.put("42", new Item("42", "9", "c1"));
    proceed.countDown();
    reader.get(10, TimeUnit.SECONDS);
    assertThat(region.getIfPresent("42").price()).isEqualTo("9");
  }

  @Test
  void callersArrivingAfterAnInvalidationDoNotJoinTheOldLoad() throws Exception {
    CountDownLatch loaded = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    Region<String, Item> region = region(a, loaded, proceed);
    CompletableFuture<Item> early = CompletableFuture.supplyAsync(() -> region.get("42"));
    assertThat(loaded.await(10, TimeUnit.SECONDS)).isTrue();
    source.set("7");
    region.invalidate("42");
    CompletableFuture<Item> late = CompletableFuture.supplyAsync(() -> region.get("42"));
    proceed.countDown();
    assertThat(early.get(10, TimeUnit.SECONDS).price()).isEqualTo("5");
    assertThat(late.get(10, TimeUnit.SECONDS).price()).as("a read that began after the invalidation").isEqualTo("7");
  }
}
