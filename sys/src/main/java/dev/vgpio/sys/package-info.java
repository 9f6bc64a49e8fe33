/**
 * Linux system calls through {@code java.lang.foreign}, with no JNI and no dependencies: Unix-domain sockets that
 * pass file descriptors ({@link dev.vgpio.sys.UnixSocket}), eventfd ({@link dev.vgpio.sys.EventFd}), epoll
 * ({@link dev.vgpio.sys.Epoll}), shared mappings ({@link dev.vgpio.sys.MappedRegion}) and memfd
 * ({@link dev.vgpio.sys.MemFd}), serial lines in raw mode ({@link dev.vgpio.sys.SerialPort}) and pseudo-terminals
 * ({@link dev.vgpio.sys.Pty}). Failed calls throw {@link dev.vgpio.sys.LinuxException} with the errno.
 *
 * <p>x86_64 Linux only: elsewhere every entry point throws {@link java.lang.UnsupportedOperationException}. The
 * JVM needs {@code --enable-native-access=ALL-UNNAMED} (or the module's name) to allow the downcalls without a
 * warning. The hot calls (eventfd signal and drain, epoll wait, socket send and receive, read and write) allocate
 * nothing: errno is captured into a per-thread native segment and message headers are preallocated.
 */
package dev.vgpio.sys;
