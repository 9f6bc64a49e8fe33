package dev.vgpio.lines.pick;

import java.nio.file.Path;
import java.util.List;

/**
 * The host's GPIO chips, for {@link LinePicker} to look a spec's chips and line names up in: the system's
 * ({@link #system()}, the character devices {@code /dev/gpiochipN}) or a fixed list ({@link #of}, for tests and
 * tools). {@link LinePicker#pick} asks a directory only for a spec with host parts, so a spec of simulated chips
 * never touches {@code /dev}.
 */
public interface HostChipDirectory {
    /**
     * The chips that could be read, in the order of their number.
     *
     * @return the chips
     * @throws LineSpecException if the chips cannot be listed at all
     */
    List<HostChipInfo> chips() throws LineSpecException;

    /**
     * The chips that exist but could not be opened or read (a permission, a chip going away), which a spec can
     * then not use; a spec that does not need them is not troubled by them.
     *
     * @return the chips that could not be read, in the order of their number
     * @throws LineSpecException if the chips cannot be listed at all
     */
    default List<Unreadable> unreadable() throws LineSpecException {
        return List.of();
    }

    /**
     * A chip that could not be read.
     *
     * @param path its character device
     * @param problem why, with the call and the errno ({@code open(/dev/gpiochip3) failed: EACCES (Permission
     *     denied)})
     */
    record Unreadable(Path path, String problem) {
        /** The name the spec would call it by: its device's file name, {@code gpiochipN}. */
        public String name() {
            return String.valueOf(path.getFileName());
        }
    }

    /**
     * The system's chips, {@code /dev/gpiochipN} in the order of N, each opened through the character device and
     * closed again at once (nothing is requested). Read once, when first asked; a chip that cannot be opened or
     * read is listed in {@link #unreadable()}.
     *
     * @return a directory that reads {@code /dev} when first asked
     */
    static HostChipDirectory system() {
        return new DevChips(Path.of("/dev"));
    }

    /**
     * A fixed list of chips, all readable.
     *
     * @param chips the chips
     * @return a directory of just these
     */
    static HostChipDirectory of(List<HostChipInfo> chips) {
        return of(chips, List.of());
    }

    /**
     * A fixed list of chips and of chips that could not be read.
     *
     * @param chips the chips
     * @param unreadable the chips that could not be read
     * @return a directory of just these
     */
    static HostChipDirectory of(List<HostChipInfo> chips, List<Unreadable> unreadable) {
        List<HostChipInfo> readable = List.copyOf(chips);
        List<Unreadable> others = List.copyOf(unreadable);
        return new HostChipDirectory() {
            @Override
            public List<HostChipInfo> chips() {
                return readable;
            }

            @Override
            public List<Unreadable> unreadable() {
                return others;
            }
        };
    }
}
