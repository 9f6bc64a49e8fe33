package dev.vgpio.monitor;

/**
 * Receives the activity of every watched device, in order per device, on the monitor's thread. A sink must not
 * block for long: the monitor reads the devices' rings on the same thread, and what it cannot read in time is
 * dropped. A sink that throws is removed (and closed).
 */
public interface ActivitySink extends AutoCloseable {
    void accept(Activity activity) throws Exception;

    /** After each batch of activity (at most every few milliseconds): a chance to flush. */
    default void endOfBatch() throws Exception {
    }

    /** The monitor stops (or the sink was removed): finish what it writes. */
    @Override
    default void close() throws Exception {
    }
}
