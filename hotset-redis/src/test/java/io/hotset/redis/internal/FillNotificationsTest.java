package io.hotset.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class FillNotificationsTest {

  @Test
  void aSiblingUnregisteringDoesNotRemoveAnotherWaitersSignal() {
    FillNotifications n = new FillNotifications();
    CompletableFuture<Void> held = n.register("k"); // this caller's read came back HELD: it waits
    CompletableFuture<Void> granted = n.register("k"); // a sibling's read came back GRANTED
    n.unregister("k", granted);
    n.signal("k"); // the holder filled
    assertThat(held).isDone();
    assertThat(n.size()).isZero();
  }

  @Test
  void signalAllWakesEveryKey() {
    FillNotifications n = new FillNotifications();
    CompletableFuture<Void> a = n.register("a");
    CompletableFuture<Void> b = n.register("b");
    n.signalAll();
    assertThat(a).isDone();
    assertThat(b).isDone();
  }
}
