package io.hotset.testkit;

import java.lang.annotation.Annotation;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Finds a class-level annotation on the test class, its superclasses or its enclosing classes. */
final class Annotations {
    private Annotations() {
    }

    static <A extends Annotation> A find(ExtensionContext context, Class<A> type) {
        Class<?> c = context.getTestClass().orElse(null);
        while (c != null) {
            A a = c.getAnnotation(type);
            if (a != null) {
                return a;
            }
            c = c.getEnclosingClass();
        }
        return null;
    }
}
