package dev.vgpio.device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a device did, on its way to whoever watches it (a web panel, an event stream, a trace): a bounded ring of
 * fixed-size records in off-heap memory that the device's thread, and a host thread driving a simulated input, write
 * into and one watcher thread drains. Writing allocates nothing, takes no lock and never waits: when the ring is
 * full the record is dropped and counted ({@link #dropped}), so a watcher that falls behind never slows the guest.
 *
 * <p>The ring is a bounded multi-producer single-consumer queue: each slot carries a sequence number that says
 * whether it is free for the writer at that position or holds a record for the reader, so a writer claims a position
 * with one compare-and-set and publishes the slot with a release store. Each record's layout is declared once
 * ({@link #RECORD}); {@link Record} reads one in place.
 */
public final class ActivityRing {
    /** A guest request and its answer: type, line, value, outcome, and the line's state after it. */
    public static final byte REQUEST = 1;
    /** An interrupt buffer went back to the guest: the status (VALID or INVALID) is the record's type. */
    public static final byte INTERRUPT = 2;
    /** The guest queued an interrupt buffer for a line (unmasked it); the value is 1 if it was refused at once. */
    public static final byte UNMASK = 3;
    /** An edge reached the device from the lines; the value is 1 for rising, 0 for falling. */
    public static final byte EDGE = 4;
    /**
     * The host drove the level a simulated line senses; the value is the level, the type 1 if the host let go of the
     * line (it then reads its pull), else 0.
     */
    public static final byte DRIVEN = 5;
    /** The driver disabled every line's interrupt (it initialized the device); the value is how many were on. */
    public static final byte RESET = 6;
    /** The front end went away: the interrupt buffers it held are gone with it (lines keep their state). */
    public static final byte DETACHED = 7;
    /** A host stimulus started on a line (the value is its kind's code, from 1) or ended (value 0). */
    public static final byte STIMULUS = 8;
    /**
     * A pulse the host drove on a debounced simulated line was shorter than the line's debounce period, so the guest
     * never saw it: the value is the pulse's level, the outcome its width in microseconds.
     */
    public static final byte FILTERED = 9;

    /** State bits of a record: the line's direction code (2 bits), then these. */
    public static final int STATE_DIRECTION_MASK = 0b11;
    /** The output value the driver set (driven when the line is an output). */
    public static final int STATE_VALUE = 1 << 2;
    /** The driver holds an interrupt buffer for the line: it is unmasked. */
    public static final int STATE_UNMASKED = 1 << 3;
    /** An edge is latched, waiting for the driver to unmask the line. */
    public static final int STATE_LATCHED = 1 << 4;
    /** The driver set an output value but no direction yet (it becomes the initial value of an output). */
    public static final int STATE_VALUE_SET = 1 << 5;

    /** One record: 32 bytes. */
    public static final StructLayout RECORD = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("sequence"),
            ValueLayout.JAVA_LONG.withName("nanos"),
            ValueLayout.JAVA_INT.withName("value"),
            ValueLayout.JAVA_INT.withName("outcome"),
            ValueLayout.JAVA_CHAR.withName("line"),
            ValueLayout.JAVA_CHAR.withName("type"),
            ValueLayout.JAVA_BYTE.withName("kind"),
            ValueLayout.JAVA_BYTE.withName("state"),
            ValueLayout.JAVA_BYTE.withName("irqType"),
            MemoryLayout.paddingLayout(1));

    private static final VarHandle SEQUENCE = field("sequence");
    private static final VarHandle NANOS = field("nanos");
    private static final VarHandle VALUE = field("value");
    private static final VarHandle OUTCOME = field("outcome");
    private static final VarHandle LINE = field("line");
    private static final VarHandle KIND = field("kind");
    private static final VarHandle TYPE = field("type");
    private static final VarHandle STATE = field("state");
    private static final VarHandle IRQ_TYPE = field("irqType");
    private static final VarHandle TAIL;

    static {
        try {
            TAIL = MethodHandles.lookup().findVarHandle(ActivityRing.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final MemorySegment slots;
    private final int mask;
    private final Record record;
    private final AtomicLong dropped = new AtomicLong();
    /** The next position a writer claims. */
    @SuppressWarnings("unused") // through TAIL
    private volatile long tail;
    /** The next position the reader reads; only the reader's thread touches it. */
    private long head;

    /**
     * A ring of {@code capacity} records (a power of two, 2 to 2^24).
     *
     * @throws IllegalArgumentException for another capacity
     */
    public ActivityRing(int capacity) {
        if (capacity < 2 || capacity > 1 << 24 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two from 2 to 2^24, not " + capacity);
        }
        this.slots = Arena.ofAuto().allocate(RECORD.byteSize() * capacity, RECORD.byteAlignment());
        this.mask = capacity - 1;
        for (int i = 0; i < capacity; i++) {
            SEQUENCE.setRelease(slots, offset(i), (long) i);
        }
        this.record = new Record(slots);
    }

    private static VarHandle field(String name) {
        return RECORD.varHandle(MemoryLayout.PathElement.groupElement(name));
    }

    private static long offset(long position) {
        return position * RECORD.byteSize();
    }

    public int capacity() {
        return mask + 1;
    }

    /** How many records writers have claimed so far: every record written before this call is below it. */
    public long written() {
        return (long) TAIL.getVolatile(this);
    }

    /** How many records {@link #drain} has read so far; on the reading thread only. */
    public long read() {
        return head;
    }

    /** How many records were dropped because the ring was full. */
    public long dropped() {
        return dropped.get();
    }

    /**
     * Appends a record stamped with the monotonic clock now; allocates nothing and never waits.
     *
     * @return false if the ring was full and the record was dropped
     */
    public boolean write(byte kind, int line, int type, int value, int outcome, int state, int irqType) {
        long position;
        long base;
        while (true) {
            position = (long) TAIL.getVolatile(this);
            base = offset(position & mask);
            long free = (long) SEQUENCE.getAcquire(slots, base) - position;
            if (free < 0) {
                dropped.incrementAndGet(); // the reader has not freed this slot yet: the ring is full
                return false;
            }
            if (free == 0 && TAIL.compareAndSet(this, position, position + 1)) {
                break;
            } // else another writer took this position first: try the next
        }
        NANOS.set(slots, base, System.nanoTime());
        VALUE.set(slots, base, value);
        OUTCOME.set(slots, base, outcome);
        LINE.set(slots, base, (char) line);
        KIND.set(slots, base, kind);
        TYPE.set(slots, base, (char) type);
        STATE.set(slots, base, (byte) state);
        IRQ_TYPE.set(slots, base, (byte) irqType);
        SEQUENCE.setRelease(slots, base, position + 1);
        return true;
    }

    /** Receives records as {@link #drain} reads them. */
    @FunctionalInterface
    public interface Reader {
        /** One record, valid only during the call. */
        void accept(Record record);
    }

    /**
     * Reads up to {@code max} records in the order they were written, each handed to {@code reader}, and frees
     * their slots. Only one thread may drain a ring.
     *
     * @return how many were read
     */
    public int drain(Reader reader, int max) {
        int read = 0;
        while (read < max) {
            long base = offset(head & mask);
            if ((long) SEQUENCE.getAcquire(slots, base) != head + 1) {
                break; // not yet written (or still being written)
            }
            record.base = base;
            try {
                reader.accept(record);
            } finally {
                SEQUENCE.setRelease(slots, base, head + capacity());
                head++;
            }
            read++;
        }
        return read;
    }

    /** A record in the ring, read in place: a flyweight {@link #drain} moves from slot to slot. */
    public static final class Record {
        private final MemorySegment slots;
        private long base;

        private Record(MemorySegment slots) {
            this.slots = slots;
        }

        /** When it happened: {@link System#nanoTime()}, the monotonic clock. */
        public long nanos() {
            return (long) NANOS.get(slots, base);
        }

        /** What happened: {@link #REQUEST}, {@link #INTERRUPT}, ... */
        public byte kind() {
            return (byte) KIND.get(slots, base);
        }

        /** The line (0..65535). */
        public int line() {
            return (char) LINE.get(slots, base);
        }

        /** A request's message type (0..65535, as the guest sent it), or an interrupt's status. */
        public int type() {
            return (char) TYPE.get(slots, base);
        }

        /** A request's value; an edge's or a drive's level; see each kind. */
        public int value() {
            return (int) VALUE.get(slots, base);
        }

        /** A request's outcome, as {@link GpioController#handle} returned it. */
        public int outcome() {
            return (int) OUTCOME.get(slots, base);
        }

        /** The line's state after it ({@code STATE_*} bits), for the kinds that change it. */
        public int state() {
            return (byte) STATE.get(slots, base) & 0xff;
        }

        /** The line's interrupt type code after it. */
        public int irqType() {
            return (byte) IRQ_TYPE.get(slots, base) & 0xff;
        }
    }
}
