package io.hotset.testkit;

import java.time.Duration;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension behind {@link WithRedisSentinel}: one {@link RedisSentinelSetup} per test class,
 * configured from the annotation on the class or an enclosing class (defaults when registered without it),
 * closed after all tests of the class even when they fail.
 */
public final class RedisSentinelExtension extends ResourceExtension<RedisSentinelSetup> {
    /** Called by JUnit. */
    public RedisSentinelExtension() {
        super(RedisSentinelSetup.class);
    }

    @Override
    protected RedisSentinelSetup createAndStart(ExtensionContext classContext) {
        RedisSentinelSetup.Builder builder = RedisSentinelSetup.builder();
        WithRedisSentinel config = Annotations.find(classContext, WithRedisSentinel.class);
        if (config != null) {
            Duration timeout = Duration.ofSeconds(config.startupTimeoutSeconds());
            builder.masterName(config.masterName())
                    .downAfter(Duration.ofMillis(config.downAfterMillis()))
                    .failoverTimeout(Duration.ofMillis(config.failoverTimeoutMillis()))
                    .nodeArgs(config.args())
                    .startupTimeout(timeout)
                    .stableTimeout(timeout);
        }
        return builder.start();
    }

    /** Starts processes an earlier test stopped or killed and waits until the setup is stable. */
    @Override
    protected void ensureRunning(RedisSentinelSetup setup) {
        setup.ensureRunning();
    }
}
