package dev.vgpio.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vgpio.lines.LineException;
import dev.vgpio.lines.LineStateListener;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.LineCaps;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated chip's line state kept in a file, so that a restarted daemon starts with each line's direction, output
 * level and host-driven level as the last one left them ({@code vgpio serve --state-dir}). Restored before the
 * device is built; written by a thread of its own shortly after every change a driver makes (never on the request
 * path) and once more on close, with what the host drove. Written atomically (a temporary file renamed over it); a
 * file that another user could have written, or that was saved for other lines, is refused at start-up.
 */
final class StateFile implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StateFile.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    /** Changes that come close together are written once, this long after the first. */
    private static final long COALESCE_MILLIS = 50;

    /**
     * One line as saved. {@code direction} is in, out or none; {@code bias}, {@code drive} and {@code debounce} (µs)
     * are the guest's settings, {@code held} whether the host holds the line at {@code driven}; a file from before
     * line settings has none of these four (the defaults, held).
     */
    record Line(int offset, String name, String direction, int value, int driven, String bias, String drive,
            Integer debounce, Boolean held) {
    }

    /** The file's content. */
    record Saved(String label, List<Line> lines) {
    }

    /**
     * The state file's name for a device socket: its whole absolute path with {@code /} as {@code _} and {@code _}
     * as {@code __} (so two sockets never share a file), then {@code .state}; e.g. {@code _run_vm1_gpio.sock.state}.
     */
    static String nameFor(Path socket) {
        String p = socket.toAbsolutePath().normalize().toString();
        return p.replace("_", "__").replace('/', '_') + ".state";
    }

    private final Path file;
    private final SimulatedChip chip;
    private final AtomicBoolean dirty = new AtomicBoolean();
    private final Semaphore changed = new Semaphore(0);
    private final LineStateListener listener = new LineStateListener() {
        @Override
        public void onLineChanged(int offset, Direction direction, int level) {
            markDirty();
        }

        @Override
        public void onConfigChanged(int offset, Bias bias, Drive drive, int debounceMicros) {
            markDirty();
        }
    };
    private final Thread writer;
    private volatile boolean closed;
    private boolean watching;

    private StateFile(Path file, SimulatedChip chip) {
        this.file = file;
        this.chip = chip;
        this.writer = Thread.ofPlatform().name("vgpio-state").daemon(true).unstarted(this::writeLoop);
    }

    /**
     * Restores {@code chip} from {@code file} if it exists; {@link #watch()} then keeps the file up to date until
     * closed.
     *
     * @throws IOException with a message naming the file if it cannot be trusted, read or applied
     */
    static StateFile open(Path file, SimulatedChip chip) throws IOException {
        StateFile s = new StateFile(file, chip);
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            s.restore();
        }
        return s;
    }

    /**
     * Starts keeping the file up to date; called once the device's socket is this daemon's, so that a second
     * daemon started on the same socket by mistake (which fails there) never writes over the first one's file.
     */
    StateFile watch() throws IOException {
        if (!watching) {
            watching = true;
            chip.addStateListener(listener);
            writer.start();
            write(); // the file exists from the start, and says what the lines are now
        }
        return this;
    }

    private void restore() throws IOException {
        checkTrusted();
        Saved saved;
        try {
            byte[] bytes;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                ByteBuffer b = ByteBuffer.allocate((int) Math.min(ch.size(), 16 << 20));
                while (b.hasRemaining() && ch.read(b) > 0) {
                    // the whole file, which a chip of 65535 lines keeps well under 16 MiB
                }
                bytes = java.util.Arrays.copyOf(b.array(), b.position());
            }
            saved = JSON.readValue(bytes, Saved.class);
        } catch (JacksonException e) {
            throw new IOException("state file " + file + " is not a saved line state (" + e.getOriginalMessage()
                    + "); remove it to start from the chip's defaults", e);
        }
        List<String> names = chip.lineNames();
        if (saved.lines() == null || saved.lines().size() != names.size()) {
            throw new IOException("state file " + file + " was saved for " + (saved.lines() == null ? 0
                    : saved.lines().size()) + " lines, this chip has " + names.size()
                    + "; remove it or serve the chip it was saved for");
        }
        for (int i = 0; i < names.size(); i++) {
            Line l = saved.lines().get(i);
            if (l.offset() != i || !names.get(i).equals(l.name())) {
                throw new IOException("state file " + file + " has line " + l.offset() + " \"" + l.name()
                        + "\" where this chip has line " + i + " \"" + names.get(i)
                        + "\"; remove it or serve the chip it was saved for");
            }
        }
        try {
            for (Line l : saved.lines()) {
                chip.drive(l.offset(), l.driven());
                if (Boolean.FALSE.equals(l.held())) {
                    chip.release(l.offset()); // where it was left, until its pull (restored below) moves it
                }
                Direction d = direction(l);
                if (d != Direction.NONE) { // settings first, so that an open-drain output never drives push-pull
                    restoreSettings(l);
                }
                chip.setDirection(l.offset(), d, l.value());
            }
        } catch (LineException | IllegalArgumentException e) {
            throw new IOException("state file " + file + " cannot be applied: " + e.getMessage(), e);
        }
        LOG.info("restored the lines of \"{}\" from {}", chip.label(), file);
    }

    /**
     * Gives a line the settings it was saved with; one the line no longer takes (the daemon now serves it with fewer
     * capabilities, {@code --sim-caps}) is dropped with a warning, so that the rest of the state still applies.
     */
    private void restoreSettings(Line l) throws LineException {
        Bias bias = l.bias() == null ? Bias.AS_IS : Bias.fromLabel(l.bias());
        Drive drive = l.drive() == null ? Drive.PUSH_PULL : Drive.fromLabel(l.drive());
        int debounce = l.debounce() == null ? 0 : l.debounce();
        int caps = chip.lineCaps(l.offset());
        if ((caps & bias.cap()) == bias.cap()) {
            chip.setBias(l.offset(), bias);
        } else {
            LOG.warn("{}: line {} no longer takes bias {}; it starts without", file, l.offset(), bias.label());
        }
        if ((caps & drive.cap()) == drive.cap()) {
            chip.setDrive(l.offset(), drive);
        } else {
            LOG.warn("{}: line {} no longer takes {} drive; it starts push-pull", file, l.offset(), drive.label());
        }
        if (debounce == 0 || (caps & LineCaps.DEBOUNCE) != 0) {
            chip.setDebounce(l.offset(), debounce);
        } else {
            LOG.warn("{}: line {} no longer debounces; it starts without", file, l.offset());
        }
    }

    private Direction direction(Line l) {
        return switch (l.direction() == null ? "" : l.direction().toLowerCase(Locale.ROOT)) {
            case "in" -> Direction.IN;
            case "out" -> Direction.OUT;
            case "none" -> Direction.NONE;
            default -> throw new IllegalArgumentException("line " + l.offset() + " has direction '" + l.direction()
                    + "', not in, out or none");
        };
    }

    /** Only a regular file of this user's that nobody else may write is read: it decides what the outputs drive. */
    private void checkTrusted() throws IOException {
        PosixFileAttributes a = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        Object uid = Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        Object mine = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        boolean othersMayWrite = a.permissions().contains(PosixFilePermission.GROUP_WRITE)
                || a.permissions().contains(PosixFilePermission.OTHERS_WRITE);
        if (!a.isRegularFile() || !uid.equals(mine) || othersMayWrite) {
            throw new IOException("state file " + file + " is not a regular file of this user's that only it may"
                    + " write (it is " + PosixFilePermissions.toString(a.permissions()) + ", owner "
                    + a.owner().getName() + "); refusing to take line levels from it");
        }
    }

    private void markDirty() {
        if (!dirty.getAndSet(true)) {
            changed.release();
        }
    }

    private void writeLoop() {
        while (!closed) {
            try {
                changed.acquire();
                if (closed) {
                    return;
                }
                TimeUnit.MILLISECONDS.sleep(COALESCE_MILLIS);
                write();
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.warn("cannot save the line state to {}: {}", file, e.getMessage());
            }
        }
    }

    private synchronized void write() throws IOException {
        dirty.set(false);
        List<Line> lines = new ArrayList<>();
        List<String> names = chip.lineNames();
        try {
            for (int i = 0; i < names.size(); i++) {
                Direction d = chip.getDirection(i);
                lines.add(new Line(i, names.get(i), d.name().toLowerCase(Locale.ROOT),
                        d == Direction.OUT ? chip.outputValue(i) : 0, chip.drivenLevel(i), chip.bias(i).label(),
                        chip.drive(i).label(), chip.debounce(i), chip.isHeld(i)));
            }
        } catch (LineException e) {
            throw new IOException("cannot read the lines of \"" + chip.label() + "\": " + e.getMessage(), e);
        }
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".vgpio-state-", ".tmp");
        try {
            byte[] json = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(new Saved(chip.label(), lines));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(json));
                ch.force(true); // on the disk before it replaces the old state: a power cut leaves one or the other
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Stops watching and writes the state as it is now, host-driven levels included. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!watching) {
            return;
        }
        chip.removeStateListener(listener);
        changed.release();
        try {
            writer.join(1000);
            write();
        } catch (IOException e) {
            LOG.warn("cannot save the line state to {}: {}", file, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
