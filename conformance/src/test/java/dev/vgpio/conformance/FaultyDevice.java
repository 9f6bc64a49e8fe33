package dev.vgpio.conformance;

import dev.vgpio.device.GpioDevice;
import dev.vgpio.device.IrqSink;
import dev.vgpio.device.VirtioDevice;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.memory.GuestMemory;
import dev.vgpio.protocol.IrqStatus;
import dev.vgpio.protocol.LineNames;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.virtqueue.DescriptorChain;
import dev.vgpio.virtqueue.DeviceQueue;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A virtio-gpio device for in-process tests: vgpio's device model ({@link GpioDevice}) over a simulated chip, bound
 * to the rings by this class rather than by {@code VirtioGpioDevice}, so that it can break the spec on purpose in
 * the ways {@link Fault} lists. With no faults it behaves as vgpio's own device.
 */
final class FaultyDevice implements VirtioDevice, IrqSink {
    enum Fault {
        /** GET_DIRECTION answers OK with value 7. */
        BAD_DIRECTION_VALUE,
        /** Every answer but GET_LINE_NAMES reports used length 3 instead of 2. */
        LONG_ANSWERS,
        /** SET_IRQ_TYPE(NONE) keeps the line's queued eventq pair instead of returning it. */
        KEEP_PAIR_ON_DISABLE,
        /** GET_VALUE is never answered. */
        SILENT_GET_VALUE,
    }

    private static final ValueLayout.OfShort LE16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GpioDevice model;
    private final Set<Fault> faults;
    private final byte[] names;
    private final ConcurrentLinkedQueue<int[]> edges = new ConcurrentLinkedQueue<>();
    private final MemorySegment scratch = Arena.ofAuto().allocate(16);
    private volatile Runnable wakeup;
    private GuestMemory memory;
    private DeviceQueue requestq;
    private DeviceQueue eventq;
    private DescriptorChain requestChain;
    private DescriptorChain eventChain;
    private long[] statusAddress = new long[0];
    private Notifier requestUsed = () -> { };
    private Notifier eventUsed = () -> { };
    private boolean disabling;
    private boolean eventsPending;

    FaultyDevice(SimulatedChip sim, Fault... faults) {
        this.model = new GpioDevice(sim);
        this.faults = faults.length == 0 ? EnumSet.noneOf(Fault.class) : EnumSet.of(faults[0], faults);
        boolean anyName = sim.lineNames().stream().anyMatch(n -> !n.isEmpty());
        this.names = anyName ? LineNames.encode(sim.lineNames()) : new byte[0];
        model.setIrqSink(this);
        sim.setEventListener((offset, rising, ts) -> {
            edges.add(new int[] {offset, rising ? 1 : 0});
            Runnable w = wakeup;
            if (w != null) {
                w.run();
            }
        });
    }

    @Override
    public int deviceId() {
        return 41;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public long deviceFeatures() {
        return model.offeredFeatures();
    }

    @Override
    public void negotiate(long features) {
        model.negotiate(features);
    }

    @Override
    public boolean queueAvailable(int index) {
        return index == 0 || (index == 1 && model.irqNegotiated());
    }

    @Override
    public int configSize() {
        return 8;
    }

    @Override
    public void readConfig(int offset, MemorySegment dst, int length) {
        MemorySegment c = Arena.ofAuto().allocate(8);
        model.config().encode(c, 0);
        MemorySegment.copy(c, offset, dst, 0, length);
    }

    @Override
    public void startQueue(int index, GuestMemory m, DeviceQueue q, Notifier used, Notifier error) {
        memory = m;
        if (index == 0) {
            requestq = q;
            requestChain = q.newChain();
            requestUsed = used;
        } else {
            eventq = q;
            eventChain = q.newChain();
            statusAddress = new long[q.size()];
            eventUsed = used;
            model.detachInterrupts();
        }
    }

    @Override
    public void stopQueue(int index) {
        if (index == 0) {
            requestq = null;
        } else {
            eventq = null;
            model.detachInterrupts();
        }
    }

    @Override
    public void queueNotified(int index) {
        try {
            if (index == 0) {
                serveRequests();
            } else {
                takeEventBuffers();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        flushEvents();
    }

    private void serveRequests() throws Exception {
        DeviceQueue q = requestq;
        if (q == null) {
            return;
        }
        boolean used = false;
        while (q.pop(requestChain)) {
            DescriptorChain c = requestChain;
            c.readFrom(memory, scratch, 0, 8);
            int type = Short.toUnsignedInt(scratch.get(LE16, 0));
            int gpio = Short.toUnsignedInt(scratch.get(LE16, 2));
            long value = Integer.toUnsignedLong(scratch.get(LE32, 4));
            if (type == MessageType.GET_LINE_NAMES.code()) {
                MemorySegment resp = Arena.ofAuto().allocate(1 + names.length);
                resp.set(ValueLayout.JAVA_BYTE, 0, (byte) (names.length == 0 ? 1 : 0));
                MemorySegment.copy(names, 0, resp, ValueLayout.JAVA_BYTE, 1, names.length);
                q.addUsed(c.head(), c.writeTo(memory, resp, 0, (int) Math.min(resp.byteSize(), c.writableBytes())));
                used = true;
                continue;
            }
            if (faults.contains(Fault.SILENT_GET_VALUE) && type == MessageType.GET_VALUE.code()) {
                continue;
            }
            disabling = type == MessageType.SET_IRQ_TYPE.code() && value == 0;
            int packed = model.handle(type, gpio, value);
            disabling = false;
            int status = GpioDevice.status(packed);
            int v = GpioDevice.value(packed);
            if (faults.contains(Fault.BAD_DIRECTION_VALUE) && type == MessageType.GET_DIRECTION.code()
                    && status == 0) {
                v = 7;
            }
            scratch.set(ValueLayout.JAVA_BYTE, 8, (byte) status);
            scratch.set(ValueLayout.JAVA_BYTE, 9, (byte) v);
            int written = c.writeTo(memory, scratch, 8, 2);
            q.addUsed(c.head(), faults.contains(Fault.LONG_ANSWERS) ? 3 : written);
            used = true;
        }
        q.setNotification(true); // re-arm avail_event, as every device using EVENT_IDX must
        if (used) {
            requestUsed.notifyDriver();
        }
    }

    private void takeEventBuffers() throws Exception {
        DeviceQueue q = eventq;
        if (q == null) {
            return;
        }
        while (q.pop(eventChain)) {
            DescriptorChain c = eventChain;
            c.readFrom(memory, scratch, 0, 2);
            statusAddress[c.head()] = c.address(c.readableCount());
            model.unmask(Short.toUnsignedInt(scratch.get(LE16, 0)), c.head());
        }
        q.setNotification(true);
    }

    @Override
    public void complete(int token, int gpio, int status) {
        if (faults.contains(Fault.KEEP_PAIR_ON_DISABLE) && disabling && status == IrqStatus.INVALID.code()) {
            return; // kept for ever
        }
        try {
            memory.writeU8(statusAddress[token], status);
            eventq.addUsed(token, 1);
            eventsPending = true;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void flushEvents() {
        if (eventsPending) {
            eventsPending = false;
            eventUsed.notifyDriver();
        }
    }

    @Override
    public void setWakeup(Runnable w) {
        this.wakeup = w;
    }

    @Override
    public void onWakeup() {
        int[] e;
        while ((e = edges.poll()) != null) {
            model.onEdge(e[0], e[1] == 1);
        }
        flushEvents();
    }
}
