package io.hotset.testkit;

import java.time.Duration;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension behind {@link WithRedis}: one {@link RedisServer} per test class, configured from the
 * annotation on the class or an enclosing class (defaults when registered without it).
 */
public final class RedisExtension extends ServerExtension<RedisServer> {
    /** Called by JUnit. */
    public RedisExtension() {
        super(RedisServer.class);
    }

    @Override
    protected RedisServer createServer(ExtensionContext classContext) {
        RedisServer.Builder builder = RedisServer.builder();
        WithRedis config = Annotations.find(classContext, WithRedis.class);
        if (config != null) {
            builder.arg(config.args()).startupTimeout(Duration.ofSeconds(config.startupTimeoutSeconds()));
            if (config.tls()) {
                builder.tls();
            }
            for (String user : config.aclUsers()) {
                int colon = user.indexOf(':');
                if (colon <= 0) {
                    throw new IllegalArgumentException("@WithRedis aclUsers entries must be user:password: '" + user + "'");
                }
                builder.aclUser(user.substring(0, colon), user.substring(colon + 1));
            }
        }
        return builder.build();
    }
}
