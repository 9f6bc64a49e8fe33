package dev.vgpio.monitor;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link Stimulus stimuli} on simulated inputs, one at most per line, on one scheduler thread for the whole
 * daemon. A stimulus stops at its end, when stopped, or when its line can no longer be driven (the guest made it an
 * output); stopping a pulse restores the level the line had before it.
 */
public final class Stimuli implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Stimuli.class);

    private final ScheduledThreadPoolExecutor scheduler;
    private final Map<Key, Running> running = new ConcurrentHashMap<>();

    private record Key(WatchedDevice device, int line) {
    }

    /** A stimulus on its way: what it is, and its next step. */
    private final class Running implements Runnable {
        final Key key;
        final Stimulus stimulus;
        final int idle;
        /** When the first step was done: the schedule counts from it. */
        long start;
        volatile ScheduledFuture<?> future;
        int step;

        Running(Key key, Stimulus stimulus, int idle) {
            this.key = key;
            this.stimulus = stimulus;
            this.idle = idle;
        }

        @Override
        public synchronized void run() {
            if (running.get(key) != this) {
                return;
            }
            try {
                key.device.checkDrivable(key.line);
                boolean more = switch (stimulus) {
                    case Stimulus.Pulse p -> {
                        key.device.drive(key.line, step == 0 ? 1 - idle : idle);
                        yield step == 0;
                    }
                    case Stimulus.Toggles t -> {
                        invert();
                        yield step + 1 < t.count();
                    }
                    case Stimulus.Square s -> {
                        invert();
                        yield s.cycles() == 0 || step + 1 < 2L * s.cycles();
                    }
                };
                if (step == 0) {
                    start = System.nanoTime(); // after the first step: no later step comes early
                }
                step++;
                if (more) {
                    future = scheduler.schedule(this, start + offsetOf(step) - System.nanoTime(),
                            TimeUnit.NANOSECONDS);
                } else {
                    end();
                }
            } catch (DriveException e) {
                end();
                LOG.info("{} on {} stopped: {}", stimulus.kind(), key.device.describe(key.line), e.getMessage());
            } catch (RuntimeException e) {
                end();
                LOG.warn("{} on {} failed: {}", stimulus.kind(), key.device.describe(key.line), e.toString());
            }
        }

        /** It ended by itself: no longer running, and its watchers are told. */
        private void end() {
            if (running.remove(key, this)) {
                key.device.recordStimulus(key.line, 0);
            }
        }

        private void invert() throws DriveException {
            key.device.drive(key.line, 1 - key.device.drivenLevel(key.line));
        }

        /** When step {@code n} is due, from the start. */
        private long offsetOf(int n) {
            return switch (stimulus) {
                case Stimulus.Pulse p -> p.width().toNanos();
                case Stimulus.Toggles t -> t.interval().toNanos() * n;
                case Stimulus.Square s -> s.halfPeriod().toNanos() * n;
            };
        }

        /** Stops it; a pulse that is down goes back up. */
        synchronized void cancel() {
            ScheduledFuture<?> f = future;
            if (f != null) {
                f.cancel(false);
            }
            if (stimulus instanceof Stimulus.Pulse && step == 1) {
                try {
                    key.device.drive(key.line, idle);
                } catch (DriveException e) {
                    LOG.debug("pulse on {}: {}", key.device.describe(key.line), e.getMessage());
                }
            }
        }
    }

    Stimuli() {
        scheduler = new ScheduledThreadPoolExecutor(1, r -> Thread.ofPlatform().name("vgpio-stimuli").daemon(true)
                .unstarted(r));
        scheduler.setRemoveOnCancelPolicy(true);
    }

    /**
     * Starts {@code stimulus} on {@code line} of {@code device}; its first step is taken at once.
     *
     * @throws DriveException if the line cannot be driven, or a stimulus already runs on it
     */
    public void start(WatchedDevice device, int line, Stimulus stimulus) throws DriveException {
        device.checkDrivable(line);
        Key key = new Key(device, line);
        Running r = new Running(key, stimulus, device.drivenLevel(line));
        synchronized (r) { // a stop in between waits, so that its "ended" comes after this "started"
            Running before = running.putIfAbsent(key, r);
            if (before != null) {
                throw new DriveException(DriveException.Reason.BUSY, "a " + before.stimulus.kind()
                        + " already drives " + device.describe(line) + "; stop it first");
            }
            device.recordStimulus(line, stimulus.code());
            r.future = scheduler.schedule(r, 0, TimeUnit.NANOSECONDS);
        }
    }

    /** The stimulus running on {@code line} of {@code device}, if any. */
    public Optional<Stimulus> running(WatchedDevice device, int line) {
        Running r = running.get(new Key(device, line));
        return r == null ? Optional.empty() : Optional.of(r.stimulus);
    }

    /** Stops the stimulus on {@code line}; whether one was running. */
    public boolean stop(WatchedDevice device, int line) {
        Running r = running.remove(new Key(device, line));
        if (r == null) {
            return false;
        }
        synchronized (r) {
            r.cancel();
            device.recordStimulus(line, 0);
        }
        return true;
    }

    @Override
    public void close() {
        running.keySet().forEach(k -> stop(k.device, k.line));
        scheduler.shutdownNow();
    }
}
