package dev.vgpio.vhostuser;

import dev.vgpio.sys.EventFd;
import dev.vgpio.sys.FdSet;
import dev.vgpio.sys.Fds;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Decodes and checks one front-end message, knowing nothing of the session's state: the version and reply flags,
 * the exact payload size and file-descriptor count of each message type, every field's range, and queue indices
 * against the device's queue count. A message that breaks a rule is a {@link ProtocolException} naming it.
 */
final class MessageDecoder {
    private MessageDecoder() {
    }

    /**
     * The message whose header says {@code request} and {@code flags}, payload {@code p[0, size)}, descriptors
     * {@code fds}; takes the descriptor of SET_VRING_KICK/CALL/ERR out of {@code fds}.
     */
    static FrontEndRequest decode(int request, int flags, MemorySegment p, int size, FdSet fds, int queues)
            throws ProtocolException {
        if (!Header.versionOk(flags)) {
            throw new ProtocolException("message " + VhostUser.name(request) + " has version "
                    + (flags & Header.FLAG_VERSION_MASK) + ", only version 1 exists");
        }
        if ((flags & Header.FLAG_REPLY) != 0) {
            throw new ProtocolException("front end sent a reply (" + VhostUser.name(request) + ") as a request");
        }
        return switch (request) {
            case VhostUser.GET_FEATURES -> {
                expect(request, size, 0, fds, 0);
                yield new FrontEndRequest.GetFeatures();
            }
            case VhostUser.SET_FEATURES -> {
                expect(request, size, U64.SIZE, fds, 0);
                yield new FrontEndRequest.SetFeatures(U64.value(p));
            }
            case VhostUser.GET_PROTOCOL_FEATURES -> {
                expect(request, size, 0, fds, 0);
                yield new FrontEndRequest.GetProtocolFeatures();
            }
            case VhostUser.SET_PROTOCOL_FEATURES -> {
                expect(request, size, U64.SIZE, fds, 0);
                yield new FrontEndRequest.SetProtocolFeatures(U64.value(p));
            }
            case VhostUser.GET_QUEUE_NUM -> {
                expect(request, size, 0, fds, 0);
                yield new FrontEndRequest.GetQueueNum();
            }
            case VhostUser.SET_OWNER -> {
                expect(request, size, 0, fds, 0);
                yield new FrontEndRequest.SetOwner();
            }
            case VhostUser.RESET_OWNER -> {
                expect(request, size, 0, fds, 0);
                yield new FrontEndRequest.ResetOwner();
            }
            case VhostUser.SET_MEM_TABLE -> memTable(p, size, fds);
            case VhostUser.SET_VRING_NUM -> {
                expect(request, size, VringState.SIZE, fds, 0);
                int index = queue(request, VringState.index(p), queues);
                VringState.checkRingSize(index, VringState.num(p));
                yield new FrontEndRequest.SetVringNum(index, VringState.num(p));
            }
            case VhostUser.SET_VRING_ADDR -> {
                expect(request, size, VringAddress.SIZE, fds, 0);
                yield new FrontEndRequest.SetVringAddr(queue(request, VringAddress.index(p), queues),
                        VringAddress.descriptor(p), VringAddress.used(p), VringAddress.available(p));
            }
            case VhostUser.SET_VRING_BASE -> {
                expect(request, size, VringState.SIZE, fds, 0);
                int index = queue(request, VringState.index(p), queues);
                VringState.checkBase(request, index, VringState.num(p));
                yield new FrontEndRequest.SetVringBase(index, VringState.num(p));
            }
            case VhostUser.GET_VRING_BASE -> {
                expect(request, size, VringState.SIZE, fds, 0);
                yield new FrontEndRequest.GetVringBase(queue(request, VringState.index(p), queues));
            }
            case VhostUser.SET_VRING_KICK, VhostUser.SET_VRING_CALL, VhostUser.SET_VRING_ERR ->
                    vringFd(request, p, size, fds, queues);
            case VhostUser.SET_VRING_ENABLE -> {
                expect(request, size, VringState.SIZE, fds, 0);
                int index = queue(request, VringState.index(p), queues);
                VringState.checkEnable(index, VringState.num(p));
                yield new FrontEndRequest.SetVringEnable(index, VringState.num(p) == 1);
            }
            case VhostUser.GET_CONFIG -> {
                DeviceConfig.check(request, p, size);
                expectFds(request, fds, 0);
                yield new FrontEndRequest.GetConfig(DeviceConfig.offset(p), DeviceConfig.size(p));
            }
            case VhostUser.SET_CONFIG -> {
                // only the frame is checked: the session refuses every write (REPLY_ACK 1) and keeps the connection
                DeviceConfig.checkFrame(request, size);
                expectFds(request, fds, 0);
                yield new FrontEndRequest.SetConfig(DeviceConfig.offset(p), DeviceConfig.size(p));
            }
            case VhostUser.SET_LOG_BASE, VhostUser.SET_LOG_FD -> throw new ProtocolException(VhostUser.name(request)
                    + ": dirty-page logging was not offered (no LOG_SHMFD, no F_LOG_ALL)");
            default -> throw new ProtocolException("unsupported message " + VhostUser.name(request)
                    + "; this back end handles the messages of the features it offers");
        };
    }

    private static FrontEndRequest memTable(MemorySegment p, int size, FdSet fds) throws ProtocolException {
        List<MemoryRegion> regions = MemoryTable.read(p, size);
        expectFds(VhostUser.SET_MEM_TABLE, fds, regions.size());
        int[] regionFds = new int[regions.size()];
        for (int i = 0; i < regionFds.length; i++) {
            regionFds[i] = fds.get(i);
        }
        return new FrontEndRequest.SetMemTable(regions, regionFds);
    }

    private static FrontEndRequest vringFd(int request, MemorySegment p, int size, FdSet fds, int queues)
            throws ProtocolException {
        if (size != VringFd.SIZE) {
            throw new ProtocolException(VhostUser.name(request) + " payload is " + size + " bytes, not "
                    + VringFd.SIZE);
        }
        long u = U64.value(p);
        VringFd.check(request, u);
        boolean noFd = VringFd.noFd(u);
        if (fds.count() != (noFd ? 0 : 1)) {
            throw new ProtocolException(VhostUser.name(request) + " carries " + fds.count() + " fds, expected "
                    + (noFd ? 0 : 1));
        }
        int index = queue(request, VringFd.index(u), queues);
        if (noFd && request == VhostUser.SET_VRING_KICK) {
            throw new ProtocolException("SET_VRING_KICK without an fd asks for ring polling, which was not offered");
        }
        if (noFd) {
            return new FrontEndRequest.SetVringFd(request, index, null);
        }
        int fd = fds.take(0);
        try {
            return new FrontEndRequest.SetVringFd(request, index, EventFd.adoptChecked(fd));
        } catch (IOException e) {
            Fds.closeQuietly(fd);
            throw new ProtocolException(VhostUser.name(request) + " for queue " + index + " refused: "
                    + e.getMessage());
        }
    }

    private static int queue(int request, int index, int queues) throws ProtocolException {
        if (index < 0 || index >= queues) {
            throw new ProtocolException(VhostUser.name(request) + " names queue " + Integer.toUnsignedString(index)
                    + ", but the device has " + queues + " queues");
        }
        return index;
    }

    private static void expect(int request, int size, int wantSize, FdSet fds, int wantFds)
            throws ProtocolException {
        if (size != wantSize) {
            throw new ProtocolException(VhostUser.name(request) + " payload is " + size + " bytes, expected "
                    + wantSize);
        }
        expectFds(request, fds, wantFds);
    }

    private static void expectFds(int request, FdSet fds, int wantFds) throws ProtocolException {
        if (fds.count() != wantFds) {
            throw new ProtocolException(VhostUser.name(request) + " carries " + fds.count() + " fds, expected "
                    + wantFds);
        }
    }
}
