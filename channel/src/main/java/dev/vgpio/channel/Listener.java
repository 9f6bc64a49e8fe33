package dev.vgpio.channel;

import java.io.IOException;

/** Where a {@link ChannelServer} takes its drivers' links from: a listening socket, or a serial line. */
public interface Listener extends AutoCloseable {
    /**
     * Waits for the next link.
     *
     * @throws IOException once closed, or when the listening socket fails
     */
    Link accept() throws IOException;

    /** The address, for messages and logs. */
    String describe();

    /** Stops listening (a blocked {@link #accept} throws) and removes what it created; never throws. */
    @Override
    void close();
}
