package io.hotset.testkit;

import java.time.Duration;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension behind {@link WithPostgres}: one {@link PostgresServer} per test class, configured from
 * the annotation on the class or an enclosing class (defaults when registered without it).
 */
public final class PostgresExtension extends ServerExtension<PostgresServer> {
    /** Called by JUnit. */
    public PostgresExtension() {
        super(PostgresServer.class);
    }

    @Override
    protected PostgresServer createServer(ExtensionContext classContext) {
        PostgresServer.Builder builder = PostgresServer.builder();
        WithPostgres config = Annotations.find(classContext, WithPostgres.class);
        if (config != null) {
            for (String setting : config.settings()) {
                int eq = setting.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("@WithPostgres setting must be name=value: '" + setting + "'");
                }
                builder.setting(setting.substring(0, eq).trim(), setting.substring(eq + 1).trim());
            }
            builder.startupTimeout(Duration.ofSeconds(config.startupTimeoutSeconds()));
        }
        return builder.build();
    }
}
