package dev.vgpio.protocol;

import java.util.List;

/**
 * A list of line names, or a names block, that breaks the spec's rules: every problem found is in
 * {@link #problems()}, each naming the line (by offset) and the name concerned, and the message joins them with "; ".
 */
public class InvalidLineNamesException extends IllegalArgumentException {
    private final List<String> problems;

    public InvalidLineNamesException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** One readable sentence per problem, in the order found. */
    public List<String> problems() {
        return problems;
    }
}
