package dev.vgpio.junit;

import dev.vgpio.control.LineStatus;
import dev.vgpio.monitor.ActivityJson;
import dev.vgpio.monitor.LineView;
import dev.vgpio.protocol.IrqType;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Locale;

/** How the extension words lines, views and times in its messages. */
final class Words {
    private Words() {
    }

    /** {@code line 0 "LED" of gpio0}. */
    static String line(int offset, String name, String device) {
        return "line " + offset + (name.isEmpty() ? "" : " \"" + name + "\"") + " of " + device;
    }

    /**
     * A view in words: {@code an output at 1, driven by the guest}, {@code an input at 0, driven by nobody,
     * interrupt edge-rising (armed)}, {@code released at 0, driven by the host}.
     */
    static String view(LineView v) {
        StringBuilder s = new StringBuilder(switch (v.direction()) {
            case IN -> "an input";
            case OUT -> "an output";
            case NONE -> "released";
        });
        s.append(" at ").append(v.level()).append(", driven by ").append(driver(v.driver()));
        if (v.irqType() != IrqType.NONE) {
            s.append(", interrupt ").append(ActivityJson.word(v.irqType()))
                    .append(v.masked() ? " (masked: the guest holds no buffer for it)" : " (armed)");
        }
        return s.toString();
    }

    static String driver(LineStatus.Driver d) {
        return switch (d) {
            case GUEST -> "the guest";
            case HOST -> "the host";
            case NOBODY -> "nobody";
        };
    }

    /** {@code 250 ms}, {@code 0.5 ms}, {@code 2 s}, {@code 1.5 s}. */
    static String duration(Duration d) {
        long nanos = d.toNanos();
        if (nanos < 1_000_000_000L) {
            return decimal(nanos, 6) + " ms";
        }
        return decimal(nanos, 9) + " s";
    }

    /** {@code nanos} after a start as {@code +12.3 ms}. */
    static String after(long nanos) {
        return String.format(Locale.ROOT, "+%.1f ms", nanos / 1e6);
    }

    private static String decimal(long nanos, int scale) {
        return BigDecimal.valueOf(nanos, scale).setScale(3, RoundingMode.HALF_UP).stripTrailingZeros()
                .toPlainString();
    }
}
