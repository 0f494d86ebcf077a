package io.hotset.redis;

import io.hotset.Hotset;
import io.hotset.Region;
import io.hotset.RegionSpec;
import java.time.Duration;

/** A separate JVM that takes the fill lease of one key and then hangs in its loader until killed. */
public final class LeaseHolderChild {
  private LeaseHolderChild() {}

  public static void main(String[] args) throws Exception {
    HotsetRedis redis = HotsetRedis.builder().url(args[0]).keyPrefix("test").build();
    Hotset hotset = Hotset.builder().l2(redis.tier()).invalidationTransport(redis.invalidations())
        .instanceId("child").build();
    Region<String, String> region = hotset.region(LeaseHolderChildSpec.spec(k -> {
      System.out.println("LOADING");
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
      return "never";
    }));
    region.get("k");
  }
}

/** The region both sides use. */
final class LeaseHolderChildSpec {
  static final Duration LEASE_TTL = Duration.ofSeconds(2);

  private LeaseHolderChildSpec() {}

  static RegionSpec<String, String> spec(io.hotset.Loader<String, String> loader) {
    return RegionSpec.builder("held", String.class, String.class)
        .ttl(Duration.ofSeconds(30)).leaseTtl(LEASE_TTL).loader(loader).build();
  }
}
