package dev.vgpio.cli;

import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code --timeout PERIOD}: how long the back end may take to answer, checked when it is given. */
final class TimeoutOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    private Duration timeout = Duration.ofMillis(1000);

    @Option(names = "--timeout", paramLabel = "PERIOD", defaultValue = "1000", order = 100,
            description = "How long the back end may take to answer any message or deliver an awaited event"
                    + " (default ${DEFAULT-VALUE} ms, as the Linux driver; a bare number is ms, or 2s, 500ms...).")
    void setTimeout(String value) {
        Duration d;
        try {
            d = TimeValue.parse(value, "ms");
        } catch (IllegalArgumentException e) {
            throw new ParameterException(mixee.commandLine(), "--timeout: " + e.getMessage());
        }
        if (d.isZero()) {
            throw new ParameterException(mixee.commandLine(), "--timeout must be a positive number of ms,"
                    + " or a time value such as 500ms or 2s");
        }
        timeout = d;
    }

    Duration timeout() {
        return timeout;
    }
}
