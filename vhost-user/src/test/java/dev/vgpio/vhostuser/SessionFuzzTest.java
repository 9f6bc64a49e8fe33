package dev.vgpio.vhostuser;

import dev.vgpio.virtqueue.FuzzInput;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestRegion;
import dev.vgpio.protocol.GpioRequest;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.sys.EventFd;
import dev.vgpio.sys.FdSet;
import dev.vgpio.sys.Fds;
import dev.vgpio.sys.LinuxException;
import dev.vgpio.sys.MappedRegion;
import dev.vgpio.sys.MemFd;
import dev.vgpio.virtqueue.DriverQueue;
import dev.vgpio.virtqueue.QueueConfig;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;

/**
 * Fuzzes the vhost-user message decoder and session state machine: sequences of messages, each with any request
 * code, flags, payload and file descriptors, fed to {@link VhostUserSession#handle} as {@link VhostUserServer} feeds
 * them, with kicks and disconnects in between. The session serves a real {@link VirtioGpioDevice}. Payloads are
 * either built from fields (so that sequences reach running rings) or raw bytes; descriptors are made on demand:
 * memfds of several sizes (one holds rings with requests waiting), eventfds, both ends of a pipe, a regular file,
 * {@code /dev/null}. Blocking descriptors are left out: a blocking call fd can hang the serving thread, which issue 10
 * tracks and the hostile-guest suite covers.
 *
 * <p>Invariants: only {@link ProtocolException} (with a message) comes out of {@code handle}, and nothing out of
 * {@code kicked}; a reply fits the reply buffer; every kick fd the session watches is open and is unwatched before
 * the session forgets it; after {@link VhostUserSession#disconnected()} no descriptor or mapping the harness handed
 * over stays open; and a fresh, valid set-up then serves a GET_VALUE request with the right answer.
 *
 * <p>Input (see {@link FuzzInput}): per message an operation byte (a message type, a kick, a disconnect, or a raw
 * request code), a flags choice, a payload choice with its fields, and a descriptor choice.
 */
class SessionFuzzTest {
    static final long GPA = 0x4000_0000L;
    static final long USER = 0x7f12_3400_0000L;
    static final long MAIN_SIZE = 0x10_0000;
    static final int QSIZE = 64;
    static final long BUFS = GPA + 0x2_0000;
    private static final String MEMFD_NAME = "vgpio-fuzz";
    private static final int MAX_MESSAGES = 48;
    private static final int V1 = Header.FLAG_VERSION;
    private static final long[] MEMFD_SIZES = {0, 4096, 5000, 0x1_0000, MAIN_SIZE, 1L << 32};
    private static final long[] FILE_SIZES = {0, 4096, MAIN_SIZE, 5000};
    /** The message types an operation byte below 0xf0 picks from, in the order of their codes. */
    private static final int[] KNOWN = {
        VhostUser.GET_FEATURES, VhostUser.SET_FEATURES, VhostUser.SET_OWNER, VhostUser.RESET_OWNER,
        VhostUser.SET_MEM_TABLE, VhostUser.SET_LOG_BASE, VhostUser.SET_LOG_FD, VhostUser.SET_VRING_NUM,
        VhostUser.SET_VRING_ADDR, VhostUser.SET_VRING_BASE, VhostUser.GET_VRING_BASE, VhostUser.SET_VRING_KICK,
        VhostUser.SET_VRING_CALL, VhostUser.SET_VRING_ERR, VhostUser.GET_PROTOCOL_FEATURES,
        VhostUser.SET_PROTOCOL_FEATURES, VhostUser.GET_QUEUE_NUM, VhostUser.SET_VRING_ENABLE, VhostUser.GET_CONFIG,
        VhostUser.SET_CONFIG
    };
    /** What the session offers for the GPIO device: its features and VHOST_USER_F_PROTOCOL_FEATURES. */
    private static final long OFFERED = new VirtioGpioDevice(new GpioController(SimulatedChip.withLines("f", 1, "L")))
            .offeredFeatures() | VhostUser.bit(VhostUser.F_PROTOCOL_FEATURES);
    private static final long PROTOCOL_FEATURES = VhostUser.bit(VhostUser.PROTOCOL_F_MQ)
            | VhostUser.bit(VhostUser.PROTOCOL_F_REPLY_ACK) | VhostUser.bit(VhostUser.PROTOCOL_F_CONFIG);

    private static final Arena ARENA = Arena.ofShared();
    private static final MemorySegment PAYLOAD = ARENA.allocate(VhostUser.MAX_PAYLOAD, 8);
    private static final MemorySegment REPLY = ARENA.allocate(VhostUser.MAX_PAYLOAD, 8);
    private static final Path FILE;
    private static final MethodHandle PIPE2;
    private static final MethodHandle OPEN;

    static {
        try {
            FILE = Files.createTempFile("vgpio-fuzz-", ".mem");
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
        PIPE2 = libc("pipe2", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        OPEN = libc("open", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT), Linker.Option.firstVariadicArg(2));
    }

    /** A C library function the harness needs and vgpio's sys module does not offer (it makes no pipes). */
    @SuppressWarnings("restricted")
    private static MethodHandle libc(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), descriptor, options);
    }

    @AfterAll
    static void removeFile() throws IOException {
        Files.deleteIfExists(FILE);
    }

    /** Records what the session watches, as the server's epoll would, and checks it is balanced. */
    static final class Kicks implements VhostUserSession.KickWatcher {
        final Map<Integer, EventFd> watched = new HashMap<>();

        @Override
        public void watch(int queue, EventFd kick) {
            assertThat(kick.isOpen()).as("the kick fd of queue %d is open when watched", queue).isTrue();
            assertThat(watched).as("queue %d is not watched twice", queue).doesNotContainKey(queue);
            watched.put(queue, kick);
        }

        @Override
        public void unwatch(int queue, EventFd kick) {
            assertThat(watched.get(queue)).as("queue %d is unwatched with the fd it watches", queue).isSameAs(kick);
            assertThat(kick.isOpen()).as("the kick fd of queue %d is unwatched before it is closed", queue).isTrue();
            watched.remove(queue);
        }
    }

    /** One execution's harness: the device, the session, the memfd with rings, and what it has handed over. */
    private static final class Run implements AutoCloseable {
        final SimulatedChip chip = SimulatedChip.withLines("fuzz", 4, "L");
        final VirtioGpioDevice device = new VirtioGpioDevice(new GpioController(chip));
        final Kicks kicks = new Kicks();
        final VhostUserSession session = new VhostUserSession(device, "fuzz", kicks);
        final FdSet fds = new FdSet(16);
        final int memFd;
        final MappedRegion mapping;
        final GuestMemory memory;
        boolean fileSized;

        Run() throws Exception {
            memFd = MemFd.create(MEMFD_NAME, MAIN_SIZE);
            mapping = MappedRegion.map(memFd, MAIN_SIZE, 0);
            memory = GuestMemory.of(GuestRegion.of(GPA, mapping.segment()));
        }

        @Override
        public void close() {
            fds.closeAll();
            mapping.close();
            Fds.closeQuietly(memFd);
        }
    }

    @FuzzTest
    void messageSequences(byte[] bytes) throws Throwable {
        FuzzInput in = new FuzzInput(bytes);
        Set<String> before = openFds();
        try (Run run = new Run()) {
            try {
                pendingRequests(run);
                for (int i = 0; i < MAX_MESSAGES && in.hasMore(); i++) {
                    step(in, run);
                }
                disconnect(run);
                validSetUpServesARequest(run);
                disconnect(run);
            } finally {
                run.session.disconnected(); // also after a finding, so that the next input starts clean
            }
        }
        assertNothingLeft(before);
    }

    /** The rings as a driver left them: one GET_VALUE request on queue 0, one interrupt buffer on queue 1. */
    private static void pendingRequests(Run run) throws Exception {
        DriverQueue requestq = DriverQueue.create(run.memory, ring(0), true);
        run.memory.write(BUFS, GpioRequest.toBytes(MessageType.GET_VALUE.code(), 1, 0), 0, GpioRequest.SIZE);
        requestq.begin().readable(BUFS, GpioRequest.SIZE).writable(BUFS + 16, 2).submit();
        requestq.publish();
        DriverQueue eventq = DriverQueue.create(run.memory, ring(1), true);
        eventq.begin().readable(BUFS + 32, 2).writable(BUFS + 40, 1).submit();
        eventq.publish();
    }

    /** Where queue {@code q}'s rings are in guest memory. */
    private static QueueConfig ring(int q) {
        return QueueConfig.contiguous(GPA + 0x1_0000L * q, QSIZE);
    }

    private static void step(FuzzInput in, Run run) throws Throwable {
        int op = in.u8();
        if (op >= 0xf0 && op < 0xf8) {
            run.session.kicked(op & 1);
            return;
        }
        if (op >= 0xf8 && op < 0xff) {
            disconnect(run);
            return;
        }
        int request = op == 0xff ? in.u32() : KNOWN[op % KNOWN.length];
        int flags = switch (in.u8() & 3) {
            case 2 -> V1 | Header.FLAG_NEED_REPLY;
            case 3 -> in.u32();
            default -> V1;
        };
        int choice = in.u8();
        int natural = payload(in, request, choice);
        int size = switch (choice >>> 6) {
            case 1 -> in.u16() % (VhostUser.MAX_PAYLOAD + 1);
            case 2 -> raw(in);
            default -> natural;
        };
        descriptors(in, run, request, choice);
        send(run, request, flags, size);
    }

    /** Hands one message to the session as the server does; a protocol error ends the connection. */
    private static int send(Run run, int request, int flags, int size) throws Throwable {
        try {
            int reply = run.session.handle(request, flags, PAYLOAD, size, run.fds, REPLY);
            assertThat(reply).as("reply size").isBetween(-1, VhostUser.MAX_PAYLOAD);
            return reply;
        } catch (ProtocolException e) {
            assertThat(e.getMessage()).isNotBlank();
            disconnect(run);
            return -2;
        } finally {
            run.fds.closeAll();
        }
    }

    private static void disconnect(Run run) {
        run.session.disconnected();
        assertThat(run.kicks.watched).as("kick fds watched after a disconnect").isEmpty();
        assertThat(run.session.isActive(0) || run.session.isActive(1)).isFalse();
    }

    /** Raw payload bytes; returns their count. */
    private static int raw(FuzzInput in) {
        byte[] b = in.bytes(in.u16() % (VhostUser.MAX_PAYLOAD + 1));
        MemorySegment.copy(b, 0, PAYLOAD, ValueLayout.JAVA_BYTE, 0, b.length);
        return b.length;
    }

    /** Writes the payload of {@code request} from fields (each mostly sensible, sometimes anything). */
    private static int payload(FuzzInput in, int request, int choice) {
        switch (request) {
            case VhostUser.SET_FEATURES -> U64.write(PAYLOAD, features(in, OFFERED));
            case VhostUser.SET_PROTOCOL_FEATURES -> U64.write(PAYLOAD, features(in, PROTOCOL_FEATURES));
            case VhostUser.SET_MEM_TABLE -> {
                return memTable(in);
            }
            case VhostUser.SET_VRING_NUM -> VringState.write(PAYLOAD, queue(in), switch (in.u8() & 3) {
                case 0, 1 -> QSIZE;
                case 2 -> 1 << in.below(17);
                default -> in.u32();
            });
            case VhostUser.SET_VRING_BASE, VhostUser.SET_VRING_ENABLE, VhostUser.GET_VRING_BASE ->
                    VringState.write(PAYLOAD, queue(in), switch (in.u8() & 3) {
                        case 0 -> request == VhostUser.SET_VRING_ENABLE ? 1 : 0;
                        case 1 -> in.u8() & 1;
                        case 2 -> in.u16();
                        default -> in.u32();
                    });
            case VhostUser.SET_VRING_ADDR -> {
                int q = queue(in);
                QueueConfig c = ring(q & 1);
                long desc = USER + (c.descTable() - GPA);
                long used = USER + (c.usedRing() - GPA);
                long avail = USER + (c.availRing() - GPA);
                switch (in.u8() & 3) {
                    case 0, 1 -> VringAddress.write(PAYLOAD, q, desc, used, avail);
                    case 2 -> VringAddress.write(PAYLOAD, q, desc + (byte) in.u8(), used + (byte) in.u8() * 64L,
                            avail + in.u32());
                    default -> VringAddress.write(PAYLOAD, q, in.u64(), in.u64(), in.u64());
                }
                PAYLOAD.set(ValueLayout.JAVA_INT_UNALIGNED, VringAddress.FLAGS, in.u8() == 0xff ? in.u32() : 0);
            }
            case VhostUser.SET_VRING_KICK, VhostUser.SET_VRING_CALL, VhostUser.SET_VRING_ERR -> U64.write(PAYLOAD,
                    switch (in.u8() & 3) {
                        case 0, 1 -> VringFd.of(queue(in), false);
                        case 2 -> VringFd.of(queue(in), true);
                        default -> in.u64();
                    });
            case VhostUser.GET_CONFIG, VhostUser.SET_CONFIG -> {
                return DeviceConfig.write(PAYLOAD, in.u8() % 12, in.u8() % 16);
            }
            default -> {
                return 0;
            }
        }
        return switch (request) {
            case VhostUser.SET_MEM_TABLE -> throw new AssertionError("returned above");
            case VhostUser.SET_VRING_ADDR -> VringAddress.SIZE;
            case VhostUser.SET_VRING_NUM, VhostUser.SET_VRING_BASE, VhostUser.SET_VRING_ENABLE,
                    VhostUser.GET_VRING_BASE -> VringState.SIZE;
            default -> U64.SIZE;
        };
    }

    private static long features(FuzzInput in, long offered) {
        return switch (in.u8() & 3) {
            case 0 -> offered;
            case 1 -> offered & in.u64();
            case 2 -> offered | 1L << in.below(64);
            default -> in.u64();
        };
    }

    /** A queue index: 0 or 1, sometimes 2 (one too many), sometimes anything. */
    private static int queue(FuzzInput in) {
        int v = in.u8();
        return v < 0xf0 ? v % 3 : in.u32();
    }

    /** A SET_MEM_TABLE payload: the main memfd's region, or up to 9 regions each sensible or not. */
    private static int memTable(FuzzInput in) {
        int n = in.u8();
        if (n == 0) {
            return MemoryTable.write(PAYLOAD, List.of(new MemoryRegion(GPA, MAIN_SIZE, USER, 0)));
        }
        List<MemoryRegion> regions = new ArrayList<>();
        for (int i = 0; i < n % 10; i++) {
            long gpa = GPA + 0x1_0000_0000L * i;
            long user = USER + 0x1_0000_0000L * i;
            regions.add(switch (in.u8() & 3) {
                case 0 -> new MemoryRegion(gpa, MAIN_SIZE, user, 0);
                case 1 -> new MemoryRegion(gpa, Integer.toUnsignedLong(in.u32()), user, (long) in.u8() << 12);
                case 2 -> new MemoryRegion(in.u64(), MAIN_SIZE, in.u64(), 0);
                default -> new MemoryRegion(in.u64(), in.u64(), in.u64(), in.u64());
            });
        }
        return MemoryTable.write(PAYLOAD, regions);
    }

    /**
     * The descriptors of a message: those it should carry (choice bits 4-5 zero), or a list of any kinds. Each is
     * new, and the session's to keep or the harness's to close after the message, as with received descriptors.
     */
    private static void descriptors(FuzzInput in, Run run, int request, int choice) throws Throwable {
        if ((choice & 0x30) == 0) {
            int count = switch (request) {
                case VhostUser.SET_MEM_TABLE -> PAYLOAD.get(ValueLayout.JAVA_INT_UNALIGNED, MemoryTable.NREGIONS);
                case VhostUser.SET_VRING_KICK, VhostUser.SET_VRING_CALL, VhostUser.SET_VRING_ERR ->
                        VringFd.noFd(U64.value(PAYLOAD)) ? 0 : 1;
                default -> 0;
            };
            int kind = request == VhostUser.SET_MEM_TABLE ? 0 : 2;
            for (int i = 0; i < Math.clamp(count, 0, 8); i++) {
                run.fds.add(make(in, run, kind));
            }
            return;
        }
        int count = in.below(5);
        for (int i = 0; i < count; i++) {
            run.fds.add(make(in, run, in.u8() & 7));
        }
    }

    /** A new descriptor of the given kind. */
    private static int make(FuzzInput in, Run run, int kind) throws Throwable {
        return switch (kind) {
            case 0 -> Fds.dup(run.memFd);
            case 1 -> MemFd.create(MEMFD_NAME, MEMFD_SIZES[in.below(MEMFD_SIZES.length)]);
            case 2 -> {
                try (EventFd e = EventFd.create()) {
                    yield Fds.dup(e.fd());
                }
            }
            case 3, 4 -> pipeEnd(kind == 4);
            case 5 -> {
                if (!run.fileSized) {
                    try (RandomAccessFile f = new RandomAccessFile(FILE.toFile(), "rw")) {
                        f.setLength(FILE_SIZES[in.below(FILE_SIZES.length)]);
                    }
                    run.fileSized = true;
                }
                yield open(FILE.toString());
            }
            case 6 -> open("/dev/null");
            default -> MemFd.create(MEMFD_NAME, (long) in.u16() << 12);
        };
    }

    /** One end of a new non-blocking pipe whose other end is closed at once. */
    private static int pipeEnd(boolean writeEnd) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pair = a.allocate(ValueLayout.JAVA_INT, 2);
            int r = (int) PIPE2.invokeExact(pair, 0x80000 | 0x800); // O_CLOEXEC | O_NONBLOCK
            assertThat(r).as("pipe2").isZero();
            int keep = pair.getAtIndex(ValueLayout.JAVA_INT, writeEnd ? 1 : 0);
            Fds.closeQuietly(pair.getAtIndex(ValueLayout.JAVA_INT, writeEnd ? 0 : 1));
            return keep;
        }
    }

    private static int open(String path) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(a.allocateFrom(path), 02 | 0x80000, 0); // O_RDWR | O_CLOEXEC
            assertThat(fd).as("open(%s)", path).isNotNegative();
            return fd;
        }
    }

    /** QEMU's set-up of queue 0 over the main memfd, then one GET_VALUE request, answered and signalled. */
    private static void validSetUpServesARequest(Run run) throws Throwable {
        run.memory.fill(GPA, 0x3_0000, (byte) 0);
        assertThat(send(run, VhostUser.GET_FEATURES, V1, 0)).isEqualTo(U64.SIZE);
        long features = U64.value(REPLY);
        assertThat(features).isEqualTo(OFFERED);
        assertThat(send(run, VhostUser.GET_PROTOCOL_FEATURES, V1, 0)).isEqualTo(U64.SIZE);
        U64.write(PAYLOAD, U64.value(REPLY));
        assertThat(send(run, VhostUser.SET_PROTOCOL_FEATURES, V1, U64.SIZE)).isEqualTo(-1);
        assertThat(send(run, VhostUser.SET_OWNER, V1, 0)).isEqualTo(-1);
        U64.write(PAYLOAD, features);
        assertThat(send(run, VhostUser.SET_FEATURES, V1, U64.SIZE)).isEqualTo(-1);
        int table = MemoryTable.write(PAYLOAD, List.of(new MemoryRegion(GPA, MAIN_SIZE, USER, 0)));
        run.fds.add(Fds.dup(run.memFd));
        assertThat(send(run, VhostUser.SET_MEM_TABLE, V1 | Header.FLAG_NEED_REPLY, table)).isEqualTo(U64.SIZE);
        assertThat(U64.value(REPLY)).as("SET_MEM_TABLE acknowledged").isZero();
        QueueConfig c = ring(0);
        DriverQueue q = DriverQueue.create(run.memory, c, true);
        q.setInterrupts(true);
        VringState.write(PAYLOAD, 0, QSIZE);
        assertThat(send(run, VhostUser.SET_VRING_NUM, V1, VringState.SIZE)).isEqualTo(-1);
        VringState.write(PAYLOAD, 0, 0);
        assertThat(send(run, VhostUser.SET_VRING_BASE, V1, VringState.SIZE)).isEqualTo(-1);
        VringAddress.write(PAYLOAD, 0, USER + (c.descTable() - GPA), USER + (c.usedRing() - GPA),
                USER + (c.availRing() - GPA));
        assertThat(send(run, VhostUser.SET_VRING_ADDR, V1, VringAddress.SIZE)).isEqualTo(-1);
        try (EventFd kick = EventFd.create(); EventFd call = EventFd.create()) {
            U64.write(PAYLOAD, VringFd.of(0, false));
            run.fds.add(Fds.dup(kick.fd()));
            assertThat(send(run, VhostUser.SET_VRING_KICK, V1, VringFd.SIZE)).isEqualTo(-1);
            U64.write(PAYLOAD, VringFd.of(0, false));
            run.fds.add(Fds.dup(call.fd()));
            assertThat(send(run, VhostUser.SET_VRING_CALL, V1, VringFd.SIZE)).isEqualTo(-1);
            VringState.write(PAYLOAD, 0, 1);
            assertThat(send(run, VhostUser.SET_VRING_ENABLE, V1, VringState.SIZE)).isEqualTo(-1);
            assertThat(run.session.isActive(0)).as("queue 0 runs after a valid set-up").isTrue();
            call.drain();

            run.memory.write(BUFS, GpioRequest.toBytes(MessageType.GET_VALUE.code(), 1, 0), 0, GpioRequest.SIZE);
            run.memory.fill(BUFS + 16, 2, (byte) 0xee);
            int head = q.begin().readable(BUFS, GpioRequest.SIZE).writable(BUFS + 16, 2).submit();
            q.publish();
            run.session.kicked(0);
            List<int[]> used = new ArrayList<>();
            q.drainUsed((h, len) -> used.add(new int[] {h, len}));
            assertThat(used).as("the answer on the used ring").containsExactly(new int[] {head, 2});
            assertThat(run.memory.readU8(BUFS + 16)).as("status").isZero();
            assertThat(run.memory.readU8(BUFS + 17)).as("value of line 1").isEqualTo(run.chip.getValue(1));
            assertThat(call.drain()).as("the call fd was signalled").isPositive();
        }
        VringState.write(PAYLOAD, 0, 0);
        assertThat(send(run, VhostUser.GET_VRING_BASE, V1, VringState.SIZE)).isEqualTo(VringState.SIZE);
        assertThat(VringState.num(REPLY)).as("next available index").isEqualTo(1);
    }

    /**
     * The numbers of the open fds, without the listing's own (closed by then, and the number a leaked fd would take
     * next). Only listed: reading every link for every input would cost a third of the inputs per second.
     */
    private static Set<String> openFds() throws IOException {
        Set<String> fds = new HashSet<>();
        Path proc = Path.of("/proc/self/fd");
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(proc)) {
            for (Path p : dir) {
                fds.add(p.getFileName().toString());
            }
        }
        fds.removeIf(fd -> !Files.exists(proc.resolve(fd), LinkOption.NOFOLLOW_LINKS));
        return fds;
    }

    /**
     * No fd of a kind the harness makes, and no mapping of its memfds or file, is left open. A leaked fd has a number
     * that was not open before the input (the JVM's own fds stay open), so only new numbers are looked at.
     */
    private static void assertNothingLeft(Set<String> before) throws IOException {
        List<String> left = new ArrayList<>();
        for (String fd : openFds()) {
            if (before.contains(fd)) {
                continue;
            }
            String target;
            try {
                target = Files.readSymbolicLink(Path.of("/proc/self/fd", fd)).toString();
            } catch (IOException e) {
                continue; // the directory stream's own fd, closed by now
            }
            boolean ours = target.startsWith("/memfd:" + MEMFD_NAME) || target.equals("anon_inode:[eventfd]")
                    || target.startsWith("pipe:") || target.equals(FILE.toString()) || target.equals("/dev/null");
            if (ours) {
                left.add(fd + " -> " + target);
            }
        }
        assertThat(left).as("descriptors left open").isEmpty();
        String maps = new String(Files.readAllBytes(Path.of("/proc/self/maps")), StandardCharsets.ISO_8859_1);
        if (maps.contains("/memfd:" + MEMFD_NAME) || maps.contains(FILE.toString())) {
            List<String> mapped = maps.lines()
                    .filter(l -> l.contains("/memfd:" + MEMFD_NAME) || l.contains(FILE.toString())).toList();
            assertThat(mapped).as("mappings left").isEmpty();
        }
    }
}
