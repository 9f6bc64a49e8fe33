package dev.vgpio.channel;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One connected byte stream that carries framed frames: a Unix or TCP socket, or a serial line. Blocking; a
 * {@link #close} from another thread ends a blocked read or write.
 */
public interface Link extends AutoCloseable {
    /**
     * Reads what has arrived into {@code dst}, waiting for at least one byte.
     *
     * @return the bytes read, or -1 once the peer has gone
     */
    int read(ByteBuffer dst) throws IOException;

    /** Writes all of {@code src}. */
    void write(ByteBuffer src) throws IOException;

    /** Makes a blocked {@link #read} return soon (-1 or 0) without closing the link's writing side. */
    void wakeReader();

    /** Whether bytes can be lost or corrupted and the link stays (a serial line): the decoder resynchronizes. */
    boolean lossy();

    /** Where it leads, for messages: {@code unix:/run/board.sock}, {@code tcp:127.0.0.1:7000 from ...}. */
    String describe();

    /** Closes it; never throws. */
    @Override
    void close();
}
