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
    int request();

    record GetFeatures() implements FrontEndRequest {
        public int request() {
            return VhostUser.GET_FEATURES;
        }
    }

    record SetFeatures(long features) implements FrontEndRequest {
        public int request() {
            return VhostUser.SET_FEATURES;
        }
    }

    record GetProtocolFeatures() implements FrontEndRequest {
        public int request() {
            return VhostUser.GET_PROTOCOL_FEATURES;
        }
    }

    record SetProtocolFeatures(long features) implements FrontEndRequest {
        public int request() {
            return VhostUser.SET_PROTOCOL_FEATURES;
        }
    }

    record GetQueueNum() implements FrontEndRequest {
        public int request() {
            return VhostUser.GET_QUEUE_NUM;
        }
    }

    record SetOwner() implements FrontEndRequest {
        public int request() {
            return VhostUser.SET_OWNER;
        }
    }

    record ResetOwner() implements FrontEndRequest {
        public int request() {
            return VhostUser.RESET_OWNER;
        }
    }

    /** The regions, each with the descriptor at the same position in {@code fds} (which the server closes). */
    record SetMemTable(List<MemoryRegion> regions, int[] fds) implements FrontEndRequest {
        public int request() {
            return VhostUser.SET_MEM_TABLE;
        }
    }

    record SetVringNum(int index, int num) implements FrontEndRequest {
        public int request() {
            return VhostUser.SET_VRING_NUM;
        }
    }

    /** The ring parts as front-end user addresses. */
    record SetVringAddr(int index, long descriptor, long used, long available) implements FrontEndRequest {
        public int request() {
            return VhostUser.SET_VRING_ADDR;
        }
    }

    record SetVringBase(int index, int base) implements FrontEndRequest {
        public int request() {
            return VhostUser.SET_VRING_BASE;
        }
    }

    record GetVringBase(int index) implements FrontEndRequest {
        public int request() {
            return VhostUser.GET_VRING_BASE;
        }
    }

    /** SET_VRING_KICK, SET_VRING_CALL or SET_VRING_ERR; {@code fd} is null when the front end sent none. */
    record SetVringFd(int request, int index, EventFd fd) implements FrontEndRequest {
    }

    record SetVringEnable(int index, boolean enable) implements FrontEndRequest {
        public int request() {
            return VhostUser.SET_VRING_ENABLE;
        }
    }

    record GetConfig(int offset, int size) implements FrontEndRequest {
        public int request() {
            return VhostUser.GET_CONFIG;
        }
    }

    record SetConfig(int offset, int size) implements FrontEndRequest {
        public int request() {
            return VhostUser.SET_CONFIG;
        }
    }
}
