package dev.vgpio.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What this process holds, as the soak compares it before and after: open file descriptors ({@code /proc/self/fd}),
 * Java threads (without the JDK's "process reaper" threads, which wait for child processes and linger idle for a
 * minute) and all OS threads ({@code /proc/self/task}, which also counts JIT compiler and GC threads), mapped
 * regions ({@code /proc/self/maps} lines, and those of memfds: guest memory), and the heap used after a full GC.
 */
record ProcessResources(long fds, int javaThreads, int reaperThreads, long osThreads, long maps, long memfdMaps,
        long heapAfterGc) {

    static ProcessResources now() {
        System.gc();
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        List<String> maps = lines(Path.of("/proc/self/maps"));
        int reapers = 0;
        int java = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("process reaper")) {
                reapers++;
            } else {
                java++;
            }
        }
        return new ProcessResources(count(Path.of("/proc/self/fd")), java, reapers, count(Path.of("/proc/self/task")),
                maps.size(), maps.stream().filter(l -> l.contains("/memfd:")).count(), heap);
    }

    private static long count(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return String.format("fds %d, Java threads %d (+%d process reaper), OS threads %d, maps %d (memfd %d),"
                + " heap after GC %.1f MiB", fds, javaThreads, reaperThreads, osThreads, maps, memfdMaps,
                heapAfterGc / 1048576.0);
    }
}
