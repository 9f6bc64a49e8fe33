package dev.vgpio.conformance;

import java.util.ArrayList;
import java.util.List;

/**
 * The results of a run as a readable table: one row per check with its id, outcome, the statement checked and what
 * was observed (wrapped to a width), then the counts. {@link #exitStatus()} is non-zero iff a check failed.
 */
public final class ConformanceReport {
    public static final int DEFAULT_WIDTH = 120;

    private final List<Result> results;

    public ConformanceReport(List<Result> results) {
        this.results = List.copyOf(results);
    }

    public List<Result> results() {
        return results;
    }

    public long count(Result.Outcome outcome) {
        return results.stream().filter(r -> r.outcome() == outcome).count();
    }

    public boolean anyFailed() {
        return results.stream().anyMatch(Result::failed);
    }

    /** 1 if any check failed, else 0. */
    public int exitStatus() {
        return anyFailed() ? 1 : 0;
    }

    /** "34 checks: 30 PASS, 0 FAIL, 4 SKIP". */
    public String summary() {
        return String.format("%d checks: %d PASS, %d FAIL, %d SKIP", results.size(), count(Result.Outcome.PASS),
                count(Result.Outcome.FAIL), count(Result.Outcome.SKIP));
    }

    public String render() {
        return render(DEFAULT_WIDTH);
    }

    /** The table, lines at most {@code width} characters where words allow, and the summary line. */
    public String render(int width) {
        int idWidth = Math.max("CHECK".length(), results.stream().mapToInt(r -> r.id().length()).max().orElse(0));
        String indent = " ".repeat(idWidth + 10);
        int textWidth = Math.max(30, width - indent.length());
        StringBuilder sb = new StringBuilder();
        sb.append(pad("CHECK", idWidth)).append("  RESULT  STATEMENT / OBSERVED\n");
        sb.append("-".repeat(idWidth)).append("  ------  ").append("-".repeat(textWidth)).append('\n');
        for (Result r : results) {
            List<String> statement = wrap(r.statement(), textWidth, "");
            List<String> detail = wrap("-> " + r.detail(), textWidth, "   ");
            for (int i = 0; i < statement.size(); i++) {
                if (i == 0) {
                    sb.append(pad(r.id(), idWidth)).append("  ").append(pad(r.outcome().name(), 6)).append("  ");
                } else {
                    sb.append(indent);
                }
                sb.append(statement.get(i)).append('\n');
            }
            for (String line : detail) {
                sb.append(indent).append(line).append('\n');
            }
        }
        sb.append('\n').append(summary()).append('\n');
        return sb.toString();
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }

    /** Greedy word wrap; a word longer than the width gets a line of its own; later lines start with {@code cont}. */
    static List<String> wrap(String text, int width, String cont) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.strip().split("\\s+")) {
            int room = lines.isEmpty() ? width : width - cont.length();
            if (!line.isEmpty() && line.length() + 1 + word.length() > room) {
                lines.add((lines.isEmpty() ? "" : cont) + line);
                line.setLength(0);
            }
            if (!line.isEmpty()) {
                line.append(' ');
            }
            line.append(word);
        }
        lines.add((lines.isEmpty() ? "" : cont) + line);
        return lines;
    }
}
