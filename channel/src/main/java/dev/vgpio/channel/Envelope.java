package dev.vgpio.channel;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The envelope of a frame on a byte stream (docs/channel.md, "On a byte stream"): magic {@code VG}, a 16-bit
 * length, the frame, its CRC-32C. {@link Decoder} finds frames in the bytes as they arrive; {@link Encoder} puts
 * frames into an output buffer. Neither allocates after construction.
 */
public final class Envelope {
    public static final int MAGIC0 = 'V';
    public static final int MAGIC1 = 'G';
    /** Magic and length before the frame. */
    public static final int PREFIX = 4;
    /** The CRC after it. */
    public static final int SUFFIX = 4;
    /** The most bytes one framed frame takes. */
    public static final int MAX = PREFIX + Frame.MAX + SUFFIX;

    private Envelope() {
    }

    /** Told when a serial line's decoder loses the framing (a bad magic, length or CRC) and looks for the next frame. */
    @FunctionalInterface
    public interface LossSink {
        void lost(String why) throws java.io.IOException;
    }

    /** Receives each frame {@link Decoder#feed} finds; the segment holds it at offset 0 until the call returns. */
    @FunctionalInterface
    public interface FrameSink {
        void onFrame(MemorySegment frame, int length) throws java.io.IOException;
    }

    /**
     * Finds frames in a byte stream. On a socket ({@code resync} false) a bad envelope is a {@link ChannelException}
     * ({@link ChannelError#MALFORMED}): the connection ends. On a serial line ({@code resync} true) it skips a byte
     * and looks for the next magic, counting what it skipped.
     */
    public static final class Decoder {
        private final byte[] buf = new byte[MAX];
        private final MemorySegment frame = MemorySegment.ofArray(buf).asSlice(PREFIX, Frame.MAX);
        /** Bytes to look at again after a bad envelope (serial lines), before the stream's next ones. */
        private final byte[] replay = new byte[MAX];
        private final CRC32C crc = new CRC32C();
        private final boolean resync;
        private int have;
        private int replayPos;
        private int replayLen;
        private long skipped;
        private long bad;
        private LossSink onLost = why -> { };

        public Decoder(boolean resync) {
            this.resync = resync;
        }

        /** Where a serial line's lost framing is told (a live session then ends: a frame may be gone). */
        public void onLost(LossSink sink) {
            this.onLost = sink;
        }

        /** Whether a frame has started and not finished (for the partial-frame timeout). */
        public boolean partial() {
            return have > 0 || replayPos < replayLen;
        }

        /** Bytes skipped while looking for a frame (serial lines only). */
        public long skipped() {
            return skipped;
        }

        /** Envelopes whose length and magic were right and whose CRC was not (serial lines only). */
        public long badEnvelopes() {
            return bad;
        }

        /** Forgets a partial frame (a new connection). */
        public void reset() {
            have = 0;
            replayPos = 0;
            replayLen = 0;
        }

        /** Consumes every byte of {@code src} (between position and limit), handing each whole frame to {@code sink}. */
        public void feed(ByteBuffer src, FrameSink sink) throws java.io.IOException {
            while (replayPos < replayLen || src.hasRemaining()) {
                if (have < PREFIX) {
                    buf[have++] = replayPos < replayLen ? replay[replayPos++] : src.get();
                    if (!prefixValid()) {
                        drop("the stream does not start a frame with \"VG\" and a length of 8 to " + Frame.MAX
                                + " bytes");
                    }
                    continue;
                }
                int length = length();
                int total = PREFIX + length + SUFFIX;
                take(src, total - have);
                if (have < total) {
                    return;
                }
                crc.reset();
                crc.update(buf, PREFIX, length);
                int expected = (buf[PREFIX + length] & 0xff) | (buf[PREFIX + length + 1] & 0xff) << 8
                        | (buf[PREFIX + length + 2] & 0xff) << 16 | (buf[PREFIX + length + 3] & 0xff) << 24;
                if ((int) crc.getValue() != expected) {
                    bad++;
                    drop("a frame's CRC-32C does not match its bytes");
                    continue;
                }
                have = 0;
                sink.onFrame(frame, length);
            }
        }

        /** Moves up to {@code n} bytes into {@link #buf}: first those to look at again, then the stream's. */
        private void take(ByteBuffer src, int n) {
            int r = Math.min(n, replayLen - replayPos);
            System.arraycopy(replay, replayPos, buf, have, r);
            replayPos += r;
            have += r;
            int s = Math.min(n - r, src.remaining());
            src.get(buf, have, s);
            have += s;
        }

        private int length() {
            return (buf[2] & 0xff) | (buf[3] & 0xff) << 8;
        }

        private boolean prefixValid() {
            if (buf[0] != MAGIC0 || have >= 2 && buf[1] != MAGIC1) {
                return false;
            }
            if (have == PREFIX) {
                int length = length();
                return length >= Frame.HEADER && length <= Frame.MAX;
            }
            return true;
        }

        /**
         * A bad envelope: the end of the connection, or (serial lines) a new look from the byte after its start,
         * which may begin a frame whose start was taken for part of this one.
         */
        private void drop(String why) throws java.io.IOException {
            if (!resync) {
                throw new ChannelException(ChannelError.MALFORMED, why);
            }
            skipped++;
            int again = have - 1;
            int rest = replayLen - replayPos;
            // at most one frame's bytes are in flight here: the replay never outgrows its array
            System.arraycopy(replay, replayPos, replay, again, rest);
            System.arraycopy(buf, 1, replay, 0, again);
            replayPos = 0;
            replayLen = again + rest;
            have = 0;
            onLost.lost(why);
        }
    }

    /** Puts frames built in {@link #frame()} into an output buffer, each in its envelope. */
    public static final class Encoder {
        private final byte[] scratch = new byte[Frame.MAX];
        private final MemorySegment frame = MemorySegment.ofArray(scratch);
        private final CRC32C crc = new CRC32C();

        /** Where the next frame is built, at offset 0 (at most {@link Frame#MAX} bytes). */
        public MemorySegment frame() {
            return frame;
        }

        /**
         * Appends the frame of {@code length} bytes built in {@link #frame()} to {@code out}, which must have
         * {@link #framed}{@code (length)} bytes of room.
         */
        public void commit(int length, ByteBuffer out) {
            if (length < Frame.HEADER || length > Frame.MAX) {
                throw new IllegalArgumentException("a frame is 8 to " + Frame.MAX + " bytes, not " + length);
            }
            crc.reset();
            crc.update(scratch, 0, length);
            int c = (int) crc.getValue();
            out.put((byte) MAGIC0).put((byte) MAGIC1).put((byte) length).put((byte) (length >>> 8));
            out.put(scratch, 0, length);
            out.put((byte) c).put((byte) (c >>> 8)).put((byte) (c >>> 16)).put((byte) (c >>> 24));
        }

        /** The bytes a frame of {@code length} takes on the stream. */
        public static int framed(int length) {
            return PREFIX + length + SUFFIX;
        }
    }
}
