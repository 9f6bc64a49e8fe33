package dev.vgpio.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * Runs example test classes (some fail on purpose) with JUnit's engine test kit, as a build would run them; the
 * classes are marked {@link Only} so that nothing else runs them (an IDE running every class of the package).
 */
final class Kit {
    private static final String PARAMETER = "vgpio.junit.kit";
    /** Where the examples that do not test the default keep their traces; {@link #deleteTraces} empties it. */
    static final Path TRACES = Path.of("target", "kit-traces");

    private Kit() {
    }

    /** Removes {@code dir} and everything in it, if it exists. */
    static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes the examples' traces. */
    static void deleteTraces() {
        delete(TRACES);
    }

    /** Runs the tests of {@code example} on the Jupiter engine. */
    static EngineExecutionResults run(Class<?> example) {
        return EngineTestKit.engine("junit-jupiter").configurationParameter(PARAMETER, "true")
                .selectors(selectClass(example)).execute();
    }

    /** Marks an example class that only {@link #run} runs. */
    @Target(ElementType.TYPE)
    @Retention(RetentionPolicy.RUNTIME)
    @ExtendWith(OnlyInKit.class)
    @interface Only {
    }

    /** Disables an {@link Only} class outside {@link #run}. */
    static final class OnlyInKit implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(PARAMETER).isPresent()
                    ? ConditionEvaluationResult.enabled("run by the engine test kit")
                    : ConditionEvaluationResult.disabled("an example that a test runs with the engine test kit");
        }
    }
}
