package io.hotset.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension behind {@link WithVarnish}: one {@link VarnishServer} per test class, configured from
 * the annotation on the class or an enclosing class (defaults when registered without it: {@code -b none}).
 */
public final class VarnishExtension extends ServerExtension<VarnishServer> {
    /** Called by JUnit. */
    public VarnishExtension() {
        super(VarnishServer.class);
    }

    @Override
    protected VarnishServer createServer(ExtensionContext classContext) {
        VarnishServer.Builder builder = VarnishServer.builder();
        WithVarnish config = Annotations.find(classContext, WithVarnish.class);
        if (config != null) {
            for (String backend : config.backends()) {
                int colon = backend.lastIndexOf(':');
                if (colon <= 0) {
                    throw new IllegalArgumentException("@WithVarnish backends must be host:port: '" + backend + "'");
                }
                int port;
                try {
                    port = Integer.parseInt(backend.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("@WithVarnish backend port is not a number: '" + backend + "'", e);
                }
                builder.backend(backend.substring(0, colon), port);
            }
            for (String define : config.defines()) {
                String[] kv = nameValue(define, "defines");
                builder.define(kv[0], kv[1]);
            }
            for (String param : config.params()) {
                String[] kv = nameValue(param, "params");
                builder.param(kv[0], kv[1]);
            }
            if (!config.vclResource().isEmpty()) {
                builder.vcl(readResource(classContext.getRequiredTestClass(), config.vclResource()));
            }
            builder.startupTimeout(Duration.ofSeconds(config.startupTimeoutSeconds()));
        }
        return builder.build();
    }

    private static String[] nameValue(String s, String attribute) {
        int eq = s.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("@WithVarnish " + attribute + " must be name=value: '" + s + "'");
        }
        return new String[] {s.substring(0, eq).trim(), s.substring(eq + 1).trim()};
    }

    private static String readResource(Class<?> testClass, String resource) {
        String absolute = resource.startsWith("/") ? resource : "/" + resource;
        try (InputStream in = testClass.getResourceAsStream(absolute)) {
            if (in == null) {
                throw new IllegalArgumentException("@WithVarnish vclResource not found on the classpath: '" + resource + "'");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }
}
