package io.hotset.postgres.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotset.Loader;
import io.hotset.postgres.Lsn;
import io.hotset.postgres.ReadConsistency;
import org.junit.jupiter.api.Test;

class ReadConsistencyForFillTest {
  @Test
  void mapsTheRegionsPositionsToRoutingRules() {
    assertThat(ReadConsistency.forFill(Loader.ANY_POSITION)).isEqualTo(ReadConsistency.any());
    assertThat(ReadConsistency.forFill(Loader.NEWEST)).isEqualTo(ReadConsistency.primary());
    assertThat(ReadConsistency.forFill(0x1_6B37_4D48L)).isEqualTo(ReadConsistency.atLeast(Lsn.parse("1/6B374D48")));
    assertThatThrownBy(() -> ReadConsistency.forFill(-3)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-3");
  }
}
