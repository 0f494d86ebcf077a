package io.hotset.testkit;

import java.time.Duration;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension behind {@link WithRedisCluster}: one {@link RedisCluster} per test class, configured from
 * the annotation on the class or an enclosing class (defaults when registered without it), closed after all
 * tests of the class even when they fail.
 */
public final class RedisClusterExtension extends ResourceExtension<RedisCluster> {
    /** Called by JUnit. */
    public RedisClusterExtension() {
        super(RedisCluster.class);
    }

    @Override
    protected RedisCluster createAndStart(ExtensionContext classContext) {
        RedisCluster.Builder builder = RedisCluster.builder();
        WithRedisCluster config = Annotations.find(classContext, WithRedisCluster.class);
        if (config != null) {
            Duration timeout = Duration.ofSeconds(config.startupTimeoutSeconds());
            builder.masters(config.masters())
                    .replicasPerMaster(config.replicasPerMaster())
                    .nodeTimeout(Duration.ofMillis(config.nodeTimeoutMillis()))
                    .nodeArgs(config.args())
                    .startupTimeout(timeout)
                    .stableTimeout(timeout);
        }
        return builder.start();
    }

    /** Starts nodes an earlier test stopped or killed and waits until the cluster is stable. */
    @Override
    protected void ensureRunning(RedisCluster cluster) {
        cluster.ensureRunning();
    }
}
