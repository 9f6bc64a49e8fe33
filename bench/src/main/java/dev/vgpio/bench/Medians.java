package dev.vgpio.bench;

import java.util.List;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/** Medians of one figure over repeated runs (the mean of the middle two for an even count). */
final class Medians {
    private Medians() {
    }

    static <T> double of(List<T> runs, ToDoubleFunction<T> figure) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs to take a median of");
        }
        double[] v = runs.stream().mapToDouble(figure).sorted().toArray();
        int mid = v.length / 2;
        return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
    }

    static <T> long ofLong(List<T> runs, ToLongFunction<T> figure) {
        return Math.round(of(runs, r -> (double) figure.applyAsLong(r)));
    }
}
