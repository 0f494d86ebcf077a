package io.hotset.testkit;

import java.util.Objects;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Base of the JUnit 5 extensions that run one resource of type {@code R} (a server, a cluster, a Sentinel
 * setup) per test class: created and started before all tests, repaired before each test
 * ({@link #ensureRunning}) if a previous test stopped or killed part of it, injected into constructors,
 * lifecycle and test methods by parameter type, and closed after all tests (also when they fail). Nested
 * test classes share the resource of their enclosing class.
 *
 * @param <R> the resource type, which is also the injectable parameter type
 */
public abstract class ResourceExtension<R extends AutoCloseable> implements BeforeAllCallback, BeforeEachCallback,
        AfterAllCallback, ParameterResolver {
    private static final String KEY = "resource";

    private final Class<R> type;
    private final ExtensionContext.Namespace namespace;

    /** An extension for resources of {@code type}. */
    protected ResourceExtension(Class<R> type) {
        this.type = Objects.requireNonNull(type, "type");
        this.namespace = ExtensionContext.Namespace.create(ResourceExtension.class, type);
    }

    /**
     * Creates and starts the resource for a test class. On failure it must not leave anything running.
     *
     * @param classContext the context of the test class the resource is for
     */
    protected abstract R createAndStart(ExtensionContext classContext);

    /** Called before each test: brings back whatever an earlier test stopped or killed. */
    protected abstract void ensureRunning(R resource);

    /** Starts the class's resource (unless an enclosing class already has one). */
    @Override
    public void beforeAll(ExtensionContext context) {
        resource(context);
    }

    /** Makes sure the resource runs (see {@link #ensureRunning}). */
    @Override
    public void beforeEach(ExtensionContext context) {
        ensureRunning(resource(context));
    }

    /** Closes the resource if this class context created it. */
    @Override
    public void afterAll(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(namespace);
        Holder holder = store.get(KEY, Holder.class);
        if (holder != null && holder.ownerId.equals(context.getUniqueId())) {
            store.remove(KEY);
            holder.close();
        }
    }

    /** Supports parameters whose declared type is exactly {@code R}. */
    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == type;
    }

    /** The running resource of the current test class. */
    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return resource(extensionContext);
    }

    /** The resource of the test class of {@code context}, created and started on first use. */
    protected final R resource(ExtensionContext context) {
        ExtensionContext classContext = classContext(context);
        ExtensionContext.Store store = classContext.getStore(namespace);
        Holder holder = store.getOrComputeIfAbsent(KEY,
                k -> new Holder(createAndStart(classContext), classContext.getUniqueId()), Holder.class);
        return type.cast(holder.resource);
    }

    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext c = context;
        while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
            c = c.getParent().get();
        }
        return c;
    }

    /** Stored in the class's store; JUnit closes stored AutoCloseables when the class context ends. */
    private static final class Holder implements AutoCloseable {
        private final AutoCloseable resource;
        private final String ownerId;

        Holder(AutoCloseable resource, String ownerId) {
            this.resource = resource;
            this.ownerId = ownerId;
        }

        @Override
        public void close() {
            try {
                resource.close();
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("could not close " + resource + ": " + e.getMessage(), e);
            }
        }
    }
}
