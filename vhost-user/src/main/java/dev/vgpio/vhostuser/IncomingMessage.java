package dev.vgpio.vhostuser;

import dev.vgpio.sys.FdSet;
import dev.vgpio.sys.UnixSocket;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One vhost-user message being received on a non-blocking connection, a piece at a time as the bytes arrive, so
 * that a front end that sends slowly never holds the event loop: the header first, then the payload it announces,
 * with the descriptors that came with any piece. Allocates nothing after construction.
 */
final class IncomingMessage {
    private final MemorySegment buffer;
    private final MemorySegment payload;
    private final FdSet fds = new FdSet(16);
    private long received;
    private long expected = Header.SIZE;
    private long startedNanos;

    IncomingMessage() {
        buffer = Arena.ofAuto().allocate(Header.SIZE + VhostUser.MAX_PAYLOAD, 8);
        payload = buffer.asSlice(Header.SIZE);
    }

    /**
     * Reads what the connection has of the message now.
     *
     * @return true once the whole message is here ({@link #request()}, {@link #payload()} and {@link #fds()} are
     *         then valid until {@link #clear()}); false if more is to come
     * @throws EOFException if the front end closed the connection
     * @throws ProtocolException if the header announces a payload larger than any message may have
     */
    boolean readFrom(UnixSocket connection, long nowNanos) throws IOException, ProtocolException {
        while (received < expected) {
            long n = connection.receive(buffer, received, expected - received, fds);
            if (n == 0) {
                throw new EOFException(received == 0 ? "peer closed the connection"
                        : "peer closed the connection after " + received + " bytes of a message");
            }
            if (n < 0) {
                return false;
            }
            if (received == 0) {
                startedNanos = nowNanos;
            }
            received += n;
            if (received == Header.SIZE && expected == Header.SIZE) {
                int size = Header.payloadSize(buffer);
                Header.checkSize(Header.request(buffer), size, VhostUser.MAX_PAYLOAD);
                expected = Header.SIZE + size;
            }
        }
        return true;
    }

    /** Whether part of a message has arrived and the rest has not. */
    boolean isPartial() {
        return received > 0 && received < expected;
    }

    /** When the first byte of a partial message arrived ({@link System#nanoTime()}). */
    long startedNanos() {
        return startedNanos;
    }

    /** Bytes of the current message received so far, and how many it has in all (12 until the header is in). */
    String progress() {
        return received + " of " + (expected == Header.SIZE && received < Header.SIZE ? "at least 12" : expected);
    }

    int request() {
        return Header.request(buffer);
    }

    int flags() {
        return Header.flags(buffer);
    }

    int payloadSize() {
        return (int) (expected - Header.SIZE);
    }

    MemorySegment payload() {
        return payload;
    }

    FdSet fds() {
        return fds;
    }

    /** Forgets the message and closes the descriptors the handler did not take. */
    void clear() {
        fds.closeAll();
        received = 0;
        expected = Header.SIZE;
        startedNanos = 0;
    }
}
