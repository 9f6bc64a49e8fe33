package dev.vgpio.vhostuser;

import dev.vgpio.sys.EventFd;
import dev.vgpio.sys.LinuxException;
import dev.vgpio.virtqueue.DeviceQueue;

/** What the front end told the back end about one virtqueue, and whether the device serves it now. */
final class Vring {
    final int index;
    int num;
    long descUser;
    long availUser;
    long usedUser;
    boolean addressSet;
    int base;
    /** A kick fd arrived since the last GET_VRING_BASE (vhost-user's "started"). */
    boolean started;
    boolean enabled;
    /** The device refused this queue (not part of the negotiated features) and that was logged. */
    boolean refusedLogged;
    EventFd kick;
    EventFd call;
    EventFd err;
    /** The queue the device serves, or null while the ring is not active. */
    DeviceQueue queue;

    Vring(int index) {
        this.index = index;
    }

    boolean active() {
        return queue != null;
    }

    void signalCall() {
        signal(call);
    }

    void signalError() {
        signal(err);
    }

    private static void signal(EventFd fd) {
        if (fd != null) {
            try {
                fd.signal();
            } catch (LinuxException e) {
                throw new IllegalStateException("cannot signal the front end's eventfd: " + e.getMessage(), e);
            }
        }
    }

    /** Closes the fds and forgets everything (a new connection starts from scratch). */
    void reset() {
        closeKick();
        closeCall();
        closeErr();
        num = 0;
        descUser = availUser = usedUser = 0;
        addressSet = false;
        base = 0;
        started = false;
        enabled = false;
        refusedLogged = false;
        queue = null;
    }

    void closeKick() {
        if (kick != null) {
            kick.close();
            kick = null;
        }
    }

    void closeCall() {
        if (call != null) {
            call.close();
            call = null;
        }
    }

    void closeErr() {
        if (err != null) {
            err.close();
            err = null;
        }
    }
}
