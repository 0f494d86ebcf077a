package io.hotset.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs one real {@link VarnishServer} for the annotated test class and injects it into any constructor,
 * lifecycle or test method parameter of type {@code VarnishServer}. See {@link VarnishExtension}.
 *
 * <p>A backend's port is usually only known once the test runs. Then leave {@link #vclResource()} and
 * {@link #backends()} empty (the server starts with {@code -b none}) and load the real VCL from
 * {@code @BeforeAll} with {@link VarnishServer#loadVcl(String)}; it is kept across restarts.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(VarnishExtension.class)
public @interface WithVarnish {
    /** Classpath resource holding the VCL (e.g. {@code /io/hotset/http/varnish/hotset.vcl}); empty for none. */
    String vclResource() default "";

    /** Backends as {@code "host:port"}, filling {@code ${BACKEND_HOST}}/{@code ${BACKEND_PORT}} and the indexed forms. */
    String[] backends() default {};

    /** VCL placeholder values as {@code "NAME=value"}. */
    String[] defines() default {};

    /** Runtime parameters as {@code "name=value"}, passed as {@code -p name=value}. */
    String[] params() default {};

    /** Seconds each start may take before it fails. */
    long startupTimeoutSeconds() default 30;
}
