package io.hotset.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotset.FakeTicker;
import io.hotset.Loader;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SourcePositionsTest {
  @Test
  void aKeyEvictedFromTheMapIsStillHeldToItsPositionThroughTheRegionWideOne() {
    FakeTicker ticker = new FakeTicker();
    SourcePositions p = new SourcePositions(ticker, Duration.ofMinutes(1), 4);
    for (int i = 1; i <= 50; i++) {
      p.raise("k" + i, i * 10L);
      p.cleanUp();
    }
    for (int i = 1; i <= 50; i++) {
      assertThat(p.floor("k" + i)).as("k%s", i).isGreaterThanOrEqualTo(i * 10L);
    }
    ticker.advance(Duration.ofMinutes(2));
    assertThat(p.floor("k50")).isEqualTo(Loader.ANY_POSITION);
    assertThat(p.floor("never")).isEqualTo(Loader.ANY_POSITION);
  }

  @Test
  void theRegionWidePositionExpiresAndRestartsAfterIt() {
    FakeTicker ticker = new FakeTicker();
    SourcePositions p = new SourcePositions(ticker, Duration.ofSeconds(10), 100);
    p.raiseAll(100);
    assertThat(p.floor("a")).isEqualTo(100);
    ticker.advance(Duration.ofSeconds(11));
    assertThat(p.floor("a")).isEqualTo(Loader.ANY_POSITION);
    p.raiseAll(60); // lower than the expired one: it is the floor now
    assertThat(p.floor("a")).isEqualTo(60);
  }
}
