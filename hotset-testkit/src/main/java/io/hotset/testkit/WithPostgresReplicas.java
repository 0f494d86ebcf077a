package io.hotset.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs one real {@link PostgresReplicaSet} (a primary with streaming replicas) for the annotated test class and
 * injects it into any constructor, lifecycle or test method parameter of type {@code PostgresReplicaSet}. Before
 * each test, nodes an earlier test stopped or killed are started again, paused replay is resumed and every
 * replica is awaited streaming. See {@link PostgresReplicasExtension}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(PostgresReplicasExtension.class)
public @interface WithPostgresReplicas {
    /** Number of streaming replicas (1 to 8). */
    int replicas() default PostgresReplicaSet.DEFAULT_REPLICAS;

    /** Extra settings for every node as {@code "name=value"}, passed as {@code -c name=value} after the defaults. */
    String[] settings() default {};

    /** Extra settings for the primary only, as {@code "name=value"}. */
    String[] primarySettings() default {};

    /** Extra settings for the replicas only, as {@code "name=value"}. */
    String[] replicaSettings() default {};

    /** Seconds each node start may take, and the replicas to stream or catch up. */
    long startupTimeoutSeconds() default 30;
}
