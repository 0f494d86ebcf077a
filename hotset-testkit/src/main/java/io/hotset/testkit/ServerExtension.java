package io.hotset.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Base of the JUnit 5 extensions that run one server of type {@code S} per test class: started before
 * all tests, restarted before each test if a previous test stopped or killed it, injected into
 * constructors, lifecycle and test methods by parameter type, and closed after all tests (also when
 * they fail). Nested test classes share the server of their enclosing class.
 *
 * @param <S> the server type, which is also the injectable parameter type
 */
public abstract class ServerExtension<S extends ServerProcess> extends ResourceExtension<S> {
    /** An extension for servers of {@code type}. */
    protected ServerExtension(Class<S> type) {
        super(type);
    }

    /**
     * Creates (but does not start) the server for a test class.
     *
     * @param classContext the context of the test class the server is for
     */
    protected abstract S createServer(ExtensionContext classContext);

    /** Creates the server and starts it; closes it if the start fails. */
    @Override
    protected final S createAndStart(ExtensionContext classContext) {
        S server = createServer(classContext);
        try {
            server.start();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** Restarts the server (same port, same data) if a previous test stopped or killed it. */
    @Override
    protected void ensureRunning(S server) {
        if (!server.isRunning()) {
            server.start();
        }
    }

    /** The server of the test class of {@code context}, created and started on first use. */
    protected final S server(ExtensionContext context) {
        return resource(context);
    }
}
