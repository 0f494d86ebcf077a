package io.hotset.testkit;

import java.time.Duration;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension behind {@link WithPostgresReplicas}: one {@link PostgresReplicaSet} per test class,
 * configured from the annotation on the class or an enclosing class (defaults when registered without it),
 * closed after all tests of the class even when they fail.
 */
public final class PostgresReplicasExtension extends ResourceExtension<PostgresReplicaSet> {
    /** Called by JUnit. */
    public PostgresReplicasExtension() {
        super(PostgresReplicaSet.class);
    }

    @Override
    protected PostgresReplicaSet createAndStart(ExtensionContext classContext) {
        PostgresReplicaSet.Builder builder = PostgresReplicaSet.builder();
        WithPostgresReplicas config = Annotations.find(classContext, WithPostgresReplicas.class);
        if (config != null) {
            Duration timeout = Duration.ofSeconds(config.startupTimeoutSeconds());
            builder.replicas(config.replicas()).startupTimeout(timeout).awaitTimeout(timeout);
            apply(config.settings(), "settings", builder::setting);
            apply(config.primarySettings(), "primarySettings", builder::primarySetting);
            apply(config.replicaSettings(), "replicaSettings", builder::replicaSetting);
        }
        return builder.start();
    }

    private static void apply(String[] settings, String attribute, BiConsumer<String, String> sink) {
        for (String setting : settings) {
            int eq = setting.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("@WithPostgresReplicas " + attribute + " must be name=value: '"
                        + setting + "'");
            }
            sink.accept(setting.substring(0, eq).trim(), setting.substring(eq + 1).trim());
        }
    }

    /** Starts nodes an earlier test stopped or killed, resumes replay and waits until every replica streams. */
    @Override
    protected void ensureRunning(PostgresReplicaSet set) {
        set.ensureRunning();
    }
}
