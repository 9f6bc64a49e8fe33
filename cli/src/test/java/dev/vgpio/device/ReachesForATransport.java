package dev.vgpio.device;

import dev.vgpio.vhostuser.VhostUserServer;

/**
 * A class of the device's layer that uses a transport, which the device never may: {@code LayersTest} checks that
 * the layering rule catches it. Test code only, never on the device's own classpath.
 */
public final class ReachesForATransport {
    public VhostUserServer server;

    private ReachesForATransport() {
    }
}
