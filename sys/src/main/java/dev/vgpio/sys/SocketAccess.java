package dev.vgpio.sys;

import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Who may connect to a listening socket: its owner only (mode 0600), or its owner and the members of one group
 * (mode 0660, for a QEMU that runs as another user in that group).
 *
 * @param group the group that may connect too, or null for the owner only
 */
public record SocketAccess(String group) {
    /** The owner only (0600). */
    public static final SocketAccess OWNER = new SocketAccess(null);

    public SocketAccess {
        if (group != null && (group.isBlank() || group.contains("/"))) {
            throw new IllegalArgumentException("'" + group + "' is not a group name");
        }
    }

    /** The owner and the members of {@code group} (0660). */
    public static SocketAccess group(String group) {
        return new SocketAccess(group);
    }

    /** The mode the socket file gets. */
    public Set<PosixFilePermission> mode() {
        return PosixFilePermissions.fromString(group == null ? "rw-------" : "rw-rw----");
    }

    /** For log lines: {@code 0600, owner only} or {@code 0660, group kvm}. */
    public String describe() {
        return group == null ? "0600, owner only" : "0660, group " + group;
    }
}
