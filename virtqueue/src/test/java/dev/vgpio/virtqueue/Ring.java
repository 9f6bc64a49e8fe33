package dev.vgpio.virtqueue;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestRegion;
import java.lang.foreign.Arena;

/** A guest with one 1 MiB region holding a queue at {@link #QUEUE} and free space for buffers from {@link #DATA}. */
final class Ring implements AutoCloseable {
    static final long BASE = 0x4000_0000L;
    static final long QUEUE = BASE;
    static final long DATA = BASE + 0x8_0000;
    static final long SIZE = 0x10_0000;

    final Arena arena = Arena.ofShared();
    final GuestMemory memory = GuestMemory.of(GuestRegion.of(BASE, arena.allocate(SIZE, 4096)));
    final QueueConfig config;
    final DriverQueue driver;
    final DeviceQueue device;
    final DescriptorChain chain;

    Ring(int size, RingFeatures features) throws Exception {
        config = QueueConfig.contiguous(QUEUE, size);
        driver = DriverQueue.create(memory, config, features.eventIdx());
        device = DeviceQueue.create(memory, config, features);
        chain = device.newChain();
    }

    @Override
    public void close() {
        arena.close();
    }
}
