package dev.vgpio.conformance;

import dev.vgpio.sys.FdSet;
import dev.vgpio.sys.MemFd;
import dev.vgpio.sys.UnixSocket;
import dev.vgpio.vhostuser.VhostUser;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.protocol.VirtioGpio;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * A front end in a process of its own, for the soak to kill with SIGKILL: it gets as far as its mode says, prints
 * {@code READY} and waits to be killed. {@code java ... KilledFrontEnd MODE SOCKET [LINE]}.
 */
final class KilledFrontEnd {
    /** How far the front end gets before it is killed. */
    enum Mode {
        /** GET_FEATURES answered, then 6 of the 12 bytes of the next header. */
        MID_HEADER,
        /** GET_FEATURES answered, then a SET_MEM_TABLE header, a memfd and 20 of the 40 payload bytes. */
        MID_PAYLOAD,
        /** Both queues set up, GET_VALUE of LINE on the requestq, kicked: the test holds the answer back. */
        MID_REQUEST,
        /** Both queues set up, LINE's rising-edge interrupt enabled, a pair for it queued and taken by the device. */
        HOLDING_PAIR
    }

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private KilledFrontEnd() {
    }

    public static void main(String[] args) throws Exception {
        Mode mode = Mode.valueOf(args[0]);
        Path socket = Path.of(args[1]);
        int line = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        Object keep = switch (mode) {
            case MID_HEADER, MID_PAYLOAD -> partialMessage(socket, mode);
            case MID_REQUEST -> {
                HostileGuest g = HostileGuest.connect(socket, true);
                g.offerRequest(0, MessageType.GET_VALUE, line, 0);
                g.requestq.publish();
                g.kick(VirtioGpio.REQUESTQ);
                yield g;
            }
            case HOLDING_PAIR -> {
                HostileGuest g = HostileGuest.connect(socket, true);
                g.offerRequest(0, MessageType.SET_IRQ_TYPE, line, IrqType.EDGE_RISING.code());
                g.requestq.publish();
                g.kick(VirtioGpio.REQUESTQ);
                g.sync();
                g.offerIrq(0, line);
                g.eventq.publish();
                g.kick(VirtioGpio.EVENTQ);
                g.sync();
                yield g;
            }
        };
        System.out.println("READY " + keep.getClass().getSimpleName());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    private static UnixSocket partialMessage(Path socket, Mode mode) throws Exception {
        UnixSocket s = UnixSocket.connect(socket);
        MemorySegment m = Arena.ofAuto().allocate(64, 8);
        header(m, VhostUser.GET_FEATURES, 0);
        s.sendFully(m, 0, 12, null, 0);
        s.receiveFully(m, 0, 12 + 8, new FdSet(4));
        if (mode == Mode.MID_HEADER) {
            header(m, VhostUser.SET_OWNER, 0);
            s.sendFully(m, 0, 6, null, 0);
        } else {
            int fd = MemFd.create("killed-front-end", 1 << 20);
            header(m, VhostUser.SET_MEM_TABLE, 40);
            m.asSlice(12, 40).fill((byte) 0);
            m.set(U32, 12, 1);
            s.sendFully(m, 0, 12 + 20, new int[] {fd}, 1);
        }
        return s;
    }

    private static void header(MemorySegment m, int request, int size) {
        m.set(U32, 0, request);
        m.set(U32, 4, 1);
        m.set(U32, 8, size);
    }
}
