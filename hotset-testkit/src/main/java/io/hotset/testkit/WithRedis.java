package io.hotset.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs one real {@link RedisServer} for the annotated test class and injects it into any constructor,
 * lifecycle or test method parameter of type {@code RedisServer}. See {@link RedisExtension}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(RedisExtension.class)
public @interface WithRedis {
    /** Extra redis-server arguments, e.g. {@code {"--maxmemory", "10mb"}}; appended after the defaults. */
    String[] args() default {};

    /** Serve TLS only, with a generated throwaway CA and certificate (see {@link RedisServer.Builder#tls()}). */
    boolean tls() default false;

    /**
     * ACL users with all permissions as {@code "user:password"} (split at the first colon), see
     * {@link RedisServer.Builder#aclUser(String, String)}.
     */
    String[] aclUsers() default {};

    /** Seconds each start may take before it fails. */
    long startupTimeoutSeconds() default 30;
}
