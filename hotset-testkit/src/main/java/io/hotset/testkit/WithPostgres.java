package io.hotset.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs one real {@link PostgresServer} for the annotated test class and injects it into any constructor,
 * lifecycle or test method parameter of type {@code PostgresServer}. See {@link PostgresExtension}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(PostgresExtension.class)
public @interface WithPostgres {
    /** Extra server settings as {@code "name=value"}, passed as {@code -c name=value} after the defaults. */
    String[] settings() default {};

    /** Seconds each start may take before it fails. */
    long startupTimeoutSeconds() default 30;
}
