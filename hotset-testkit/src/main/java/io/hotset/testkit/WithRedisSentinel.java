package io.hotset.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs one real {@link RedisSentinelSetup} (master, replica, sentinel) for the annotated test class and injects
 * it into any constructor, lifecycle or test method parameter of type {@code RedisSentinelSetup}. Before each
 * test, processes an earlier test stopped or killed are started again and the setup is awaited stable. See
 * {@link RedisSentinelExtension}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(RedisSentinelExtension.class)
public @interface WithRedisSentinel {
    /** The name the sentinel monitors the master under. */
    String masterName() default RedisSentinelSetup.DEFAULT_MASTER_NAME;

    /** {@code sentinel down-after-milliseconds}. */
    long downAfterMillis() default 1000;

    /** {@code sentinel failover-timeout} in milliseconds. */
    long failoverTimeoutMillis() default 5000;

    /** Extra redis-server arguments for the master and the replica. */
    String[] args() default {};

    /** Seconds each process start may take, and the setup to become stable. */
    long startupTimeoutSeconds() default 60;
}
