package io.hotset.testkit;

import java.util.Objects;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Base of the JUnit 5 extensions that run one server of type {@code S} per test class: started before
 * all tests, restarted before each test if a previous test stopped or killed it, injected into
 * constructors, lifecycle and test methods by parameter type, and closed after all tests (also when
 * they fail). Nested test classes share the server of their enclosing class.
 *
 * @param <S> the server type, which is also the injectable parameter type
 */
public abstract class ServerExtension<S extends ServerProcess> implements BeforeAllCallback, BeforeEachCallback,
        AfterAllCallback, ParameterResolver {
    private static final String KEY = "server";

    private final Class<S> type;
    private final ExtensionContext.Namespace namespace;

    /** An extension for servers of {@code type}. */
    protected ServerExtension(Class<S> type) {
        this.type = Objects.requireNonNull(type, "type");
        this.namespace = ExtensionContext.Namespace.create(ServerExtension.class, type);
    }

    /**
     * Creates (but does not start) the server for a test class.
     *
     * @param classContext the context of the test class the server is for
     */
    protected abstract S createServer(ExtensionContext classContext);

    /** Starts the class's server (unless an enclosing class already has one). */
    @Override
    public void beforeAll(ExtensionContext context) {
        server(context);
    }

    /** Makes sure the server runs: restarts it (same port, same data) if a previous test stopped or killed it. */
    @Override
    public void beforeEach(ExtensionContext context) {
        S server = server(context);
        if (!server.isRunning()) {
            server.start();
        }
    }

    /** Closes the server if this class context created it. */
    @Override
    public void afterAll(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(namespace);
        Holder holder = store.get(KEY, Holder.class);
        if (holder != null && holder.ownerId.equals(context.getUniqueId())) {
            store.remove(KEY);
            holder.close();
        }
    }

    /** Supports parameters whose declared type is exactly {@code S}. */
    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == type;
    }

    /** The running server of the current test class. */
    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return server(extensionContext);
    }

    /** The server of the test class of {@code context}, created and started on first use. */
    protected final S server(ExtensionContext context) {
        ExtensionContext classContext = classContext(context);
        ExtensionContext.Store store = classContext.getStore(namespace);
        Holder holder = store.getOrComputeIfAbsent(KEY, k -> {
            S server = createServer(classContext);
            try {
                server.start();
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            return new Holder(server, classContext.getUniqueId());
        }, Holder.class);
        return type.cast(holder.server);
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
        private final ServerProcess server;
        private final String ownerId;

        Holder(ServerProcess server, String ownerId) {
            this.server = server;
            this.ownerId = ownerId;
        }

        @Override
        public void close() {
            server.close();
        }
    }
}
