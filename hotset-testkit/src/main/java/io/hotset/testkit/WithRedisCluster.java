package io.hotset.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs one real {@link RedisCluster} for the annotated test class and injects it into any constructor,
 * lifecycle or test method parameter of type {@code RedisCluster}. Before each test, nodes an earlier test
 * stopped or killed are started again and the cluster is awaited stable. See {@link RedisClusterExtension}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(RedisClusterExtension.class)
public @interface WithRedisCluster {
    /** Number of masters. */
    int masters() default 3;

    /** Replicas per master (1 for failover tests). */
    int replicasPerMaster() default 0;

    /** {@code --cluster-node-timeout} in milliseconds. */
    long nodeTimeoutMillis() default 2000;

    /** Extra redis-server arguments for every node. */
    String[] args() default {};

    /** Seconds each node start may take, and forming the cluster or awaiting it stable. */
    long startupTimeoutSeconds() default 60;
}
