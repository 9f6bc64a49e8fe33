package dev.vgpio.channel;

import java.io.IOException;

/**
 * A serial line as a {@link Listener}: the line is one link that stays. When it goes away (a USB adapter pulled
 * out) the next {@link #accept} opens it again, once a second until it is back.
 */
final class SerialListener implements Listener {
    private final Endpoint.Serial at;
    private volatile boolean closed;
    private volatile Link current;

    SerialListener(Endpoint.Serial at) throws IOException {
        this.at = at;
        this.current = SerialLink.open(at); // fails at once for a device that is not there or not a tty
    }

    @Override
    public Link accept() throws IOException {
        while (!closed) {
            Link l = current;
            if (l != null) {
                current = null;
                return l;
            }
            try {
                Thread.sleep(1000);
                current = SerialLink.open(at);
            } catch (IOException e) {
                // still gone: try again in a second
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + at.describe());
            }
        }
        throw new IOException(at.describe() + " is closed");
    }

    @Override
    public String describe() {
        return at.describe();
    }

    @Override
    public void close() {
        closed = true;
        Link l = current;
        if (l != null) {
            l.close();
        }
    }
}
