package dev.vgpio.lines;

import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.LineNames;
import dev.vgpio.sys.Epoll;
import dev.vgpio.sys.EpollEvents;
import dev.vgpio.sys.LinuxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lines picked from several chips (host chips, simulated ones, or both) and served as one, the way Linux's
 * gpio-aggregator does: line {@code i} of the device is line {@code offsets[i]} of {@code sources[i]}, under a name
 * of its own. Lines of a source that were not picked are never touched. Names must be unique.
 *
 * <p>Edges of sources with an {@link GpioLines#eventFd event fd} come through this object's own event fd (the
 * source's own when only one source has one, else an epoll instance over theirs); edges of the other sources
 * (simulated chips, driven from other threads) go to the {@linkplain #setEventListener event listener}. Either way
 * the offsets are translated into the device's. Dispatching allocates nothing.
 *
 * <p>Line settings go to the source line: each line has its source line's {@link #lineCaps}, and the device offers
 * them when some source can apply a setting.
 */
public final class PickedLines implements GpioLines {
    /** One picked line: which source, which of its lines, the name the device gives it. */
    public record Pick(GpioLines source, int offset, String name) {
    }

    private final String label;
    private final GpioLines[] source;
    private final int[] sourceOffset;
    private final List<String> names;
    /** The distinct sources, and for each, its offsets' device offsets (-1 where not picked). */
    private final GpioLines[] sources;
    private final int[][] deviceOffset;
    private final Translator[] translators;
    /** The sources that have an event fd, by index into {@link #sources}. */
    private final int[] withFd;
    private final Epoll epoll;
    private final EpollEvents ready;

    /**
     * The device of {@code picks}, in order; they must be 1 to 65535 lines, none picked twice, with unique names.
     *
     * @throws IllegalArgumentException if a line is picked twice, a name repeats or an offset is outside its source
     * @throws LineException if the epoll instance over the sources' event fds cannot be made
     */
    public PickedLines(String label, List<Pick> picks) throws LineException {
        if (picks.isEmpty()) {
            throw new IllegalArgumentException("a device needs at least one line");
        }
        this.label = label;
        int n = picks.size();
        this.source = new GpioLines[n];
        this.sourceOffset = new int[n];
        List<String> names = new ArrayList<>(n);
        Map<GpioLines, Integer> index = new IdentityHashMap<>();
        List<GpioLines> distinct = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Pick p = picks.get(i);
            if (p.offset() < 0 || p.offset() >= p.source().lineCount()) {
                throw new IllegalArgumentException("line " + p.offset() + " does not exist on " + p.source().label());
            }
            source[i] = p.source();
            sourceOffset[i] = p.offset();
            names.add(p.name() == null ? "" : p.name());
            index.computeIfAbsent(p.source(), s -> {
                distinct.add(s);
                return distinct.size() - 1;
            });
        }
        LineNames.validate(names);
        this.names = List.copyOf(names);
        this.sources = distinct.toArray(GpioLines[]::new);
        this.deviceOffset = new int[sources.length][];
        this.translators = new Translator[sources.length];
        for (int s = 0; s < sources.length; s++) {
            deviceOffset[s] = new int[sources[s].lineCount()];
            Arrays.fill(deviceOffset[s], -1);
            translators[s] = new Translator(deviceOffset[s]);
        }
        for (int i = 0; i < n; i++) {
            int s = index.get(source[i]);
            if (deviceOffset[s][sourceOffset[i]] >= 0) {
                throw new IllegalArgumentException("line " + sourceOffset[i] + " of " + source[i].label()
                        + " is picked twice: as lines " + deviceOffset[s][sourceOffset[i]] + " and " + i);
            }
            deviceOffset[s][sourceOffset[i]] = i;
        }
        this.withFd = java.util.stream.IntStream.range(0, sources.length).filter(s -> sources[s].eventFd() >= 0)
                .toArray();
        if (withFd.length > 1) {
            Epoll e = null;
            try {
                e = Epoll.create();
                for (int s : withFd) {
                    e.add(sources[s].eventFd(), Epoll.IN, s);
                }
            } catch (LinuxException x) {
                if (e != null) {
                    e.close();
                }
                throw new LineException("cannot watch the event fds of " + label + ": " + x.getMessage(), x);
            }
            this.epoll = e;
            this.ready = new EpollEvents(withFd.length);
        } else {
            this.epoll = null;
            this.ready = null;
        }
    }

    /** The sources, each once, in the order their first line was picked. */
    public List<GpioLines> sources() {
        return List.of(sources);
    }

    /** The source of device line {@code offset}. */
    public GpioLines sourceOf(int offset) {
        return source[offset];
    }

    /** The offset on its source of device line {@code offset}. */
    public int sourceOffsetOf(int offset) {
        return sourceOffset[offset];
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public int lineCount() {
        return source.length;
    }

    @Override
    public List<String> lineNames() {
        return names;
    }

    @Override
    public Direction getDirection(int offset) throws LineException {
        check(offset);
        return source[offset].getDirection(sourceOffset[offset]);
    }

    @Override
    public void setDirection(int offset, Direction direction, int outputValue) throws LineException {
        check(offset);
        source[offset].setDirection(sourceOffset[offset], direction, outputValue);
    }

    @Override
    public int getValue(int offset) throws LineException {
        check(offset);
        return source[offset].getValue(sourceOffset[offset]);
    }

    @Override
    public void setValue(int offset, int value) throws LineException {
        check(offset);
        source[offset].setValue(sourceOffset[offset], value);
    }

    /** True when every source can report edges. */
    @Override
    public boolean supportsEdgeEvents() {
        for (GpioLines s : sources) {
            if (!s.supportsEdgeEvents()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void setEdgeDetection(int offset, Edge edge) throws LineException {
        check(offset);
        source[offset].setEdgeDetection(sourceOffset[offset], edge);
    }

    /** The caps of the source line. */
    @Override
    public int lineCaps(int offset) throws LineException {
        check(offset);
        return source[offset].lineCaps(sourceOffset[offset]);
    }

    /** True when some source can apply a setting (each line still answers for its own: {@link #lineCaps}). */
    @Override
    public boolean supportsLineConfig() {
        for (GpioLines s : sources) {
            if (s.supportsLineConfig()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void setBias(int offset, Bias bias) throws LineException {
        check(offset);
        source[offset].setBias(sourceOffset[offset], bias);
    }

    @Override
    public void setDrive(int offset, Drive drive) throws LineException {
        check(offset);
        source[offset].setDrive(sourceOffset[offset], drive);
    }

    @Override
    public void setDebounce(int offset, int periodMicros) throws LineException {
        check(offset);
        source[offset].setDebounce(sourceOffset[offset], periodMicros);
    }

    @Override
    public void setEventListener(LineEventListener listener) {
        for (int s = 0; s < sources.length; s++) {
            if (sources[s].eventFd() < 0) {
                Translator t = new Translator(deviceOffset[s]);
                t.target = listener;
                sources[s].setEventListener(listener == null ? null : t);
            }
        }
    }

    @Override
    public int eventFd() {
        return switch (withFd.length) {
            case 0 -> -1;
            case 1 -> sources[withFd[0]].eventFd();
            default -> epoll.fd();
        };
    }

    @Override
    public int dispatchEvents(LineEventListener listener) {
        if (withFd.length == 1) {
            return dispatch(withFd[0], listener);
        }
        if (epoll == null) {
            return 0;
        }
        int n;
        try {
            n = epoll.await(ready, 0);
        } catch (LinuxException e) {
            return 0;
        }
        int delivered = 0;
        for (int i = 0; i < n; i++) {
            delivered += dispatch((int) ready.data(i), listener);
        }
        return delivered;
    }

    private int dispatch(int s, LineEventListener listener) {
        Translator t = translators[s];
        t.target = listener;
        return sources[s].dispatchEvents(t);
    }

    /** Closes every source, and the epoll instance over them. */
    @Override
    public void close() {
        for (GpioLines s : sources) {
            s.close();
        }
        if (epoll != null) {
            epoll.close();
        }
    }

    private void check(int offset) throws LineException {
        if (offset < 0 || offset >= source.length) {
            throw new LineException("line " + offset + " does not exist on " + label + " (it has " + source.length
                    + " lines)");
        }
    }

    /** Passes a source's edge on under the device's offset; edges of lines not picked are dropped. */
    private static final class Translator implements LineEventListener {
        private final int[] deviceOffset;
        private volatile LineEventListener target;

        Translator(int[] deviceOffset) {
            this.deviceOffset = deviceOffset;
        }

        @Override
        public void onEdge(int offset, boolean rising, long timestampNanos) {
            LineEventListener l = target;
            if (l != null && offset >= 0 && offset < deviceOffset.length && deviceOffset[offset] >= 0) {
                l.onEdge(deviceOffset[offset], rising, timestampNanos);
            }
        }
    }
}
