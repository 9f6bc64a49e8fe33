package dev.vgpio.conformance;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.IrqSink;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.memory.GuestMemory;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.GpioConfig;
import dev.vgpio.protocol.GpioRequest;
import dev.vgpio.protocol.GpioResponse;
import dev.vgpio.protocol.IrqRequest;
import dev.vgpio.protocol.IrqResponse;
import dev.vgpio.protocol.IrqStatus;
import dev.vgpio.protocol.LineCaps;
import dev.vgpio.protocol.LineConfig;
import dev.vgpio.protocol.LineNames;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.virtio.VirtioDevice;
import dev.vgpio.virtqueue.DescriptorChain;
import dev.vgpio.virtqueue.DeviceQueue;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A virtio-gpio device for in-process tests: vgpio's device model ({@link GpioController}) over a simulated chip, bound
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
        /** GET_LINE_CAPS sets reserved bit 6 in its OK answers. */
        RESERVED_CAPS_BIT,
        /** GET_LINE_CAPS and SET_LINE_CONFIG answer OK without VIRTIO_GPIO_F_LINE_CONFIG negotiated. */
        LINE_CONFIG_WITHOUT_FEATURE,
        /** Every SET_LINE_CONFIG the model refuses is answered OK (and does nothing). */
        ACCEPT_EVERY_SETTING,
        /** SET_DIRECTION(NONE) keeps the line's settings: they are applied again after the release. */
        KEEP_SETTINGS_ON_NONE,
        /** A new driver (the requestq started afresh) meets the settings an earlier driver left. */
        KEEP_SETTINGS_ON_RESET,
    }

    private final GpioController model;
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
    /** Per line, the SET_LINE_CONFIG values answered OK, by parameter (for KEEP_SETTINGS_ON_NONE). */
    private final java.util.Map<Integer, java.util.Map<Integer, Long>> settings = new java.util.HashMap<>();

    FaultyDevice(SimulatedChip sim, Fault... faults) {
        this.model = new GpioController(sim);
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
        return GpioConfig.SIZE;
    }

    @Override
    public void readConfig(int offset, MemorySegment dst, int length) {
        MemorySegment c = Arena.ofAuto().allocate(GpioConfig.SIZE);
        model.config().encode(c, 0);
        MemorySegment.copy(c, offset, dst, 0, length);
    }

    @Override
    public void startQueue(int index, DeviceQueue q, Notifier used, Notifier error) {
        memory = q.memory();
        if (index == 0) {
            requestq = q;
            requestChain = q.newChain();
            requestUsed = used;
            if (!faults.contains(Fault.KEEP_SETTINGS_ON_RESET)) {
                model.resetLineSettings(); // a new driver finds the defaults, as VirtioGpioDevice does
            }
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
            c.readFrom(memory, scratch, 0, GpioRequest.SIZE);
            long request = GpioRequest.read(scratch, 0);
            int type = GpioRequest.type(request);
            int gpio = GpioRequest.gpio(request);
            long value = GpioRequest.value(request);
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
            int response = GpioController.response(model.handle(type, gpio, value));
            disabling = false;
            int status = GpioResponse.status(response);
            int v = GpioResponse.value(response);
            boolean config = type == MessageType.GET_LINE_CAPS.code() || type == MessageType.SET_LINE_CONFIG.code();
            if (faults.contains(Fault.RESERVED_CAPS_BIT) && type == MessageType.GET_LINE_CAPS.code() && status == 0) {
                v |= 1 << 6;
            }
            if (faults.contains(Fault.LINE_CONFIG_WITHOUT_FEATURE) && config && !model.lineConfigNegotiated()) {
                status = 0;
                v = type == MessageType.GET_LINE_CAPS.code() ? LineCaps.PULL_UP : 0;
            }
            if (faults.contains(Fault.ACCEPT_EVERY_SETTING) && type == MessageType.SET_LINE_CONFIG.code()) {
                status = 0;
                v = 0;
            }
            if (type == MessageType.SET_LINE_CONFIG.code() && GpioResponse.status(response) == 0) {
                settings.computeIfAbsent(gpio, k -> new java.util.HashMap<>()).put(LineConfig.param(value), value);
            }
            if (faults.contains(Fault.KEEP_SETTINGS_ON_NONE) && type == MessageType.SET_DIRECTION.code()
                    && value == Direction.NONE.code() && status == 0) {
                for (long kept : settings.getOrDefault(gpio, java.util.Map.of()).values()) {
                    model.handle(MessageType.SET_LINE_CONFIG.code(), gpio, kept);
                }
            }
            if (faults.contains(Fault.BAD_DIRECTION_VALUE) && type == MessageType.GET_DIRECTION.code()
                    && status == 0) {
                v = 7;
            }
            GpioResponse.write(scratch, 8, GpioResponse.pack(status, v));
            int written = c.writeTo(memory, scratch, 8, GpioResponse.SIZE);
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
            c.readFrom(memory, scratch, 0, IrqRequest.SIZE);
            statusAddress[c.head()] = c.address(c.readableCount());
            model.unmask(IrqRequest.gpio(scratch, 0), c.head());
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
            eventq.addUsed(token, IrqResponse.SIZE);
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
