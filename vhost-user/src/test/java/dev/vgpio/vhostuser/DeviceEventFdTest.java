package dev.vgpio.vhostuser;

import static dev.vgpio.protocol.MessageType.GET_VALUE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.lines.Edge;
import dev.vgpio.lines.GpioLines;
import dev.vgpio.lines.LineEventListener;
import dev.vgpio.lines.LineException;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.sys.EventFd;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lines whose edges wait behind a file descriptor (as a Linux chip's do, behind the kernel's line requests) are read
 * by the server's own loop: it watches the device's event fd and calls the device, which reads the lines on the
 * serving thread and sends the interrupt, with no thread of the lines' own.
 */
class DeviceEventFdTest {
    private static final Duration WITHIN = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    /** A simulated chip whose edges are held, as a kernel holds them, until the loop reads them. */
    static final class FdLines implements GpioLines {
        final SimulatedChip chip = new SimulatedChip("fd-lines", List.of("A", "B"));
        final EventFd ready;
        final ConcurrentLinkedQueue<int[]> pending = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> dispatchThreads = new ConcurrentLinkedQueue<>();

        FdLines() throws IOException {
            ready = EventFd.create();
            chip.setEventListener((offset, rising, ts) -> {
                pending.add(new int[] {offset, rising ? 1 : 0});
                try {
                    ready.signal();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
        }

        @Override
        public int eventFd() {
            return ready.fd();
        }

        @Override
        public int dispatchEvents(LineEventListener listener) {
            dispatchThreads.add(Thread.currentThread().getName());
            try {
                ready.drain();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            int n = 0;
            for (int[] e; (e = pending.poll()) != null; n++) {
                listener.onEdge(e[0], e[1] == 1, System.nanoTime());
            }
            return n;
        }

        @Override
        public void setEventListener(LineEventListener listener) {
            // edges go through the fd only
        }

        @Override
        public String label() {
            return chip.label();
        }

        @Override
        public int lineCount() {
            return chip.lineCount();
        }

        @Override
        public List<String> lineNames() {
            return chip.lineNames();
        }

        @Override
        public Direction getDirection(int offset) throws LineException {
            return chip.getDirection(offset);
        }

        @Override
        public void setDirection(int offset, Direction d, int value) throws LineException {
            chip.setDirection(offset, d, value);
        }

        @Override
        public int getValue(int offset) throws LineException {
            return chip.getValue(offset);
        }

        @Override
        public void setValue(int offset, int value) throws LineException {
            chip.setValue(offset, value);
        }

        @Override
        public boolean supportsEdgeEvents() {
            return true;
        }

        @Override
        public void setEdgeDetection(int offset, Edge edge) throws LineException {
            chip.setEdgeDetection(offset, edge);
        }

        @Override
        public void close() {
            chip.close();
            ready.close();
        }
    }

    @Test
    void edgesBehindTheDevicesEventFdReachTheDriverFromTheServingThread() throws Exception {
        FdLines lines = new FdLines();
        Path path = dir.resolve("gpio.sock");
        try (lines; VhostUserServer server = new VhostUserServer(path, new VirtioGpioDevice(
                new GpioController(lines)), "fd").start(); TestFrontend f = new TestFrontend(path)) {
            f.negotiate();
            f.setUpQueues(true);
            f.watchRisingEdges(1);
            await("the interrupt buffer to be held").atMost(WITHIN).until(() -> f.eventq.inFlightChains() == 1);
            f.request(GET_VALUE, 1, 0); // the eventq kick has been served once this is answered
            lines.chip.drive(1, 1);
            await("the interrupt").atMost(WITHIN).until(() -> f.memory.readU8(TestFrontend.IRQ_BUF + 8) == 1);
            assertThat(lines.dispatchThreads).isNotEmpty().allMatch(name -> name.equals("vgpio-fd"));
            assertThat(lines.pending).isEmpty();
        }
    }
}
