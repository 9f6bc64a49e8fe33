package dev.vgpio.vhostuser;

import dev.vgpio.sys.EventFd;
import java.util.List;

/**
 * A front-end message as {@link MessageDecoder} decoded and checked it: every field in range, the payload and the
 * file descriptors as the message type requires. What it means for the back end's state is
 * {@link VhostUserSession}'s business. A message that carries an eventfd owns it until the session takes it.
 */
sealed interface FrontEndRequest {
    /** The message type code. */
    default int request() {
        return switch (this) {
            case GetFeatures m -> VhostUser.GET_FEATURES;
            case SetFeatures m -> VhostUser.SET_FEATURES;
            case GetProtocolFeatures m -> VhostUser.GET_PROTOCOL_FEATURES;
            case SetProtocolFeatures m -> VhostUser.SET_PROTOCOL_FEATURES;
            case GetQueueNum m -> VhostUser.GET_QUEUE_NUM;
            case SetOwner m -> VhostUser.SET_OWNER;
            case ResetOwner m -> VhostUser.RESET_OWNER;
            case SetMemTable m -> VhostUser.SET_MEM_TABLE;
            case SetVringNum m -> VhostUser.SET_VRING_NUM;
            case SetVringAddr m -> VhostUser.SET_VRING_ADDR;
            case SetVringBase m -> VhostUser.SET_VRING_BASE;
            case GetVringBase m -> VhostUser.GET_VRING_BASE;
            case SetVringFd m -> m.type();
            case SetVringEnable m -> VhostUser.SET_VRING_ENABLE;
            case GetConfig m -> VhostUser.GET_CONFIG;
            case SetConfig m -> VhostUser.SET_CONFIG;
        };
    }

    record GetFeatures() implements FrontEndRequest {
    }

    record SetFeatures(long features) implements FrontEndRequest {
    }

    record GetProtocolFeatures() implements FrontEndRequest {
    }

    record SetProtocolFeatures(long features) implements FrontEndRequest {
    }

    record GetQueueNum() implements FrontEndRequest {
    }

    record SetOwner() implements FrontEndRequest {
    }

    record ResetOwner() implements FrontEndRequest {
    }

    /** The regions, each with the descriptor at the same position in {@code fds} (which the server closes). */
    record SetMemTable(List<MemoryRegion> regions, int[] fds) implements FrontEndRequest {
    }

    record SetVringNum(int index, int num) implements FrontEndRequest {
    }

    /** The ring parts as front-end user addresses. */
    record SetVringAddr(int index, long descriptor, long used, long available) implements FrontEndRequest {
    }

    record SetVringBase(int index, int base) implements FrontEndRequest {
    }

    record GetVringBase(int index) implements FrontEndRequest {
    }

    /** SET_VRING_KICK, SET_VRING_CALL or SET_VRING_ERR ({@code type}); {@code fd} is null when none was sent. */
    record SetVringFd(int type, int index, EventFd fd) implements FrontEndRequest {
    }

    record SetVringEnable(int index, boolean enable) implements FrontEndRequest {
    }

    record GetConfig(int offset, int size) implements FrontEndRequest {
    }

    record SetConfig(int offset, int size) implements FrontEndRequest {
    }
}
