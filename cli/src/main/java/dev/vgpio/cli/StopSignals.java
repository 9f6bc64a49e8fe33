package dev.vgpio.cli;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (SIGINT) and SIGTERM as a request to stop, for commands that run until interrupted ({@code vgpio serve},
 * {@code vgpio set}, {@code vgpio mon}, {@code vgpio ctl watch}, {@code vgpio notify}): while installed, these signals release a latch instead of shutting the JVM down, so the tool
 * releases its lines and exits normally with status 0. Other ways the JVM may go down (SIGHUP, System.exit) run a
 * shutdown hook that stops the tool and gives it a moment to release its lines. {@link #close()} restores the
 * previous signal handlers.
 *
 * <p>The handlers go through {@code sun.misc.Signal} (module jdk.unsupported) by reflection, so that building needs
 * no internal API; if it is unavailable (or the JVM runs with -Xrs) only the shutdown hook is installed.
 */
final class StopSignals implements AutoCloseable {
    private static final String[] SIGNALS = {"INT", "TERM"};
    private static final Duration GRACE = Duration.ofSeconds(2);
    /** How long a tool that waits for something else as well waits at a time before it checks {@link #stopped()}. */
    static final Duration SLICE = Duration.ofMillis(100);

    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final List<Object[]> previous = new ArrayList<>();
    private final Thread hook;

    private StopSignals() {
        hook = new Thread(() -> {
            stop();
            try {
                finished.await(GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "vgpio-stop");
    }

    /** Installs the handlers and the shutdown hook. */
    static StopSignals install() {
        StopSignals s = new StopSignals();
        s.installHandlers();
        Runtime.getRuntime().addShutdownHook(s.hook);
        return s;
    }

    private void installHandlers() {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            InvocationHandler onSignal = (proxy, method, args) -> switch (method.getName()) {
                case "handle" -> {
                    stop();
                    yield null;
                }
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                case "toString" -> "vgpio stop handler";
                default -> null;
            };
            Object handler = Proxy.newProxyInstance(StopSignals.class.getClassLoader(), new Class<?>[] {handlerClass},
                    onSignal);
            for (String name : SIGNALS) {
                Object signal = signalClass.getConstructor(String.class).newInstance(name);
                try {
                    Object old = handle.invoke(null, signal, handler);
                    previous.add(new Object[] {handle, signal, old});
                } catch (java.lang.reflect.InvocationTargetException e) {
                    // the signal is reserved (-Xrs, or used by the VM): the shutdown hook covers it
                }
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // no sun.misc.Signal: the shutdown hook covers Ctrl-C and SIGTERM, with the signal's exit status
        }
    }

    /** Asks the tool to stop, as a signal does. */
    void stop() {
        stop.countDown();
    }

    boolean stopped() {
        return stop.getCount() == 0;
    }

    /** Waits until stopped; returns false if {@code timeout} passed first. */
    boolean await(Duration timeout) throws InterruptedException {
        return stop.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Restores the previous handlers and removes the shutdown hook. */
    @Override
    public void close() {
        finished.countDown();
        for (Object[] p : previous) {
            try {
                ((Method) p[0]).invoke(null, p[1], p[2]);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // nothing better to do; the JVM is about to exit anyway in the command-line case
            }
        }
        previous.clear();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook is running and now sees that the tool finished
        }
    }
}
