package dev.vgpio.monitor;

import dev.vgpio.control.HostControl;
import dev.vgpio.device.GpioController;
import dev.vgpio.lines.SimulatedChip;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the devices of a daemon on one thread of its own: every couple of milliseconds it drains each device's
 * activity ring, keeps each line's view, and hands the activity to its sinks. The devices never wait for it; what it
 * cannot read in time is dropped and reported ({@link Activity.Dropped}).
 */
public final class Monitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Monitor.class);
    /** How long the thread sleeps when no device had anything new. */
    static final long IDLE_NANOS = 2_000_000;
    /** The monitor's thread takes at most one DUTY-th of a CPU when the devices flood it. */
    static final long DUTY = 50;
    /**
     * The longest the thread pauses after a pass: a device's ring ({@link WatchedDevice#RING_CAPACITY} records) fills
     * in that time only at more than 32,000 records a second, and it pauses that long only after a pass of
     * thousands of records (a flood).
     */
    static final long MAX_PAUSE_NANOS = 250_000_000;
    /** Records read from one device before the next device's turn. */
    private static final int BATCH = 4096;

    private final List<WatchedDevice> devices = new CopyOnWriteArrayList<>();
    private final List<ActivitySink> sinks = new CopyOnWriteArrayList<>();
    private final Stimuli stimuli = new Stimuli();
    private final java.util.Queue<Runnable> tasks = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile boolean stopping;
    private volatile Thread thread;
    /** Notified after each pass: {@link #awaitHandedOver} waits on it. */
    private final Object handedOver = new Object();
    private static final java.lang.management.ThreadMXBean CPU =
            java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * Starts watching a device: from now on its controller records into a ring the monitor reads. Call before the
     * device serves.
     *
     * @param name    the device's name ({@code gpio0})
     * @param sim     its simulated lines as one chip, or null if it has none
     * @param control the host's control of {@code sim}, shared with its control socket (null: one of its own)
     */
    public WatchedDevice watch(String name, Path socket, GpioController controller, SimulatedChip sim,
            HostControl control) {
        if (device(name) != null) {
            throw new IllegalArgumentException("a device named " + name + " is watched already");
        }
        WatchedDevice d = new WatchedDevice(name, socket, controller, sim, control);
        devices.add(d);
        return d;
    }

    /** The devices watched, in the order they were added. */
    public List<WatchedDevice> devices() {
        return List.copyOf(devices);
    }

    /** The device named {@code name}, or null. */
    public WatchedDevice device(String name) {
        for (WatchedDevice d : devices) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }

    /** Pulses, toggle bursts and square waves on the devices' simulated lines. */
    public Stimuli stimuli() {
        return stimuli;
    }

    /** Adds a sink; closing the handle removes (and closes) it. */
    public AutoCloseable addSink(ActivitySink sink) {
        sinks.add(sink);
        return () -> {
            if (sinks.remove(sink)) {
                sink.close();
            }
        };
    }

    /** Starts the monitor's thread. */
    public synchronized Monitor start() {
        if (thread == null) {
            thread = Thread.ofPlatform().name("vgpio-monitor").daemon(true).start(this::run);
        }
        return this;
    }

    private void run() {
        boolean cpuTime = CPU.isCurrentThreadCpuTimeSupported();
        while (!stopping) {
            try {
                runTasks();
                long start = cpuTime ? CPU.getCurrentThreadCpuTime() : System.nanoTime();
                int read = pass();
                long spent = (cpuTime ? CPU.getCurrentThreadCpuTime() : System.nanoTime()) - start;
                if (!tasks.isEmpty()) {
                    continue;
                }
                // at most 1/DUTY of a CPU: a device flooded with requests shares its CPU with this thread, so this
                // thread waits DUTY - 1 times as long as its pass took (in CPU time: being preempted is no work),
                // but never so long that a ring at a steady pace fills meanwhile; what they cannot hold is dropped
                LockSupport.parkNanos(read == 0 ? IDLE_NANOS
                        : Math.min(MAX_PAUSE_NANOS, Math.max(IDLE_NANOS / 4, spent * (DUTY - 1))));
            } catch (Throwable t) { // an Error too: the monitor must not die silently while the devices record
                LOG.error("the monitor's pass failed; it goes on", t);
                LockSupport.parkNanos(IDLE_NANOS);
            }
        }
    }

    /**
     * Runs {@code task} on the monitor's thread between two passes: where the line views and what the sinks have
     * been handed agree (a new watcher's snapshot taken there misses nothing and repeats nothing). Soon, not at once.
     */
    public void execute(Runnable task) {
        tasks.add(task);
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private void runTasks() {
        for (Runnable task; (task = tasks.poll()) != null; ) {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("a task on the monitor's thread failed: {}", e.toString());
            }
        }
    }

    /** Drains every device once; how many records were read. */
    int pass() {
        int read = 0;
        for (WatchedDevice d : devices) {
            read += d.drain(this::dispatch, BATCH);
        }
        if (read > 0) {
            for (ActivitySink s : sinks) {
                try {
                    s.endOfBatch();
                } catch (Exception e) {
                    drop(s, e);
                }
            }
        }
        for (WatchedDevice d : devices) {
            d.handedOver(); // what this pass read has been handed to every sink
        }
        synchronized (handedOver) {
            handedOver.notifyAll();
        }
        return read;
    }

    private void dispatch(Activity a) {
        for (ActivitySink s : sinks) {
            try {
                s.accept(a);
            } catch (Exception e) {
                drop(s, e);
            }
        }
    }

    private void drop(ActivitySink s, Exception e) {
        if (sinks.remove(s)) {
            LOG.warn("stopped feeding {}: {}", s, e.toString());
            try {
                s.close();
            } catch (Exception closing) {
                LOG.debug("closing {}: {}", s, closing.toString());
            }
        }
    }

    /**
     * Waits until every sink has been handed what the devices recorded before this call: until a pass that began
     * after it found every ring empty.
     *
     * @return false if that did not happen within {@code max} (the monitor is not running, or is far behind)
     */
    public boolean awaitHandedOver(java.time.Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        List<WatchedDevice> all = devices();
        long[] written = new long[all.size()];
        for (int i = 0; i < written.length; i++) {
            written[i] = all.get(i).written();
        }
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t); // a pass now rather than after its pause
        }
        synchronized (handedOver) {
            for (int i = 0; i < written.length; i++) {
                while (all.get(i).handedOverUpTo() < written[i]) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || stopping) {
                        return false;
                    }
                    handedOver.wait(Math.max(1, Math.min(left / 1_000_000, 10)));
                    if (thread != null) {
                        LockSupport.unpark(thread);
                    }
                }
            }
            return true;
        }
    }

    /**
     * Stops the thread after a last pass over the rings (so that a trace ends with everything the devices did), then
     * closes every sink and stops the stimuli.
     */
    @Override
    public void close() {
        stimuli.close();
        Thread t;
        synchronized (this) {
            stopping = true;
            t = thread;
        }
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (t == null || !t.isAlive()) { // one reader per ring: not while the thread may still be draining
            while (pass() > 0) {
                // what the devices did up to now
            }
        } else {
            LOG.warn("the monitor's thread did not stop in time; the last activity may be missing from the sinks");
        }
        for (ActivitySink s : sinks) {
            try {
                s.close();
            } catch (Exception e) {
                LOG.warn("closing {}: {}", s, e.toString());
            }
        }
        sinks.clear();
        devices.forEach(WatchedDevice::close);
    }
}
