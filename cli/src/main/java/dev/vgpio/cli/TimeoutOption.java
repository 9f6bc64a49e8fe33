package dev.vgpio.cli;

import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code --timeout MS}: how long the back end may take to answer, checked when it is given. */
final class TimeoutOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    private Duration timeout = Duration.ofMillis(1000);

    @Option(names = "--timeout", paramLabel = "MS", defaultValue = "1000", order = 100,
            description = "How long the back end may take to answer any message or deliver an awaited event, in ms"
                    + " (default ${DEFAULT-VALUE}, as the Linux driver).")
    void setTimeout(long millis) {
        if (millis <= 0) {
            throw new ParameterException(mixee.commandLine(), "--timeout must be a positive number of ms");
        }
        timeout = Duration.ofMillis(millis);
    }

    Duration timeout() {
        return timeout;
    }
}
