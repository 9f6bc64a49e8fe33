package dev.vgpio.sys;

/** Two connected sockets that close together, for try-with-resources in tests. */
record SocketPair(UnixSocket a, UnixSocket b) implements AutoCloseable {
    static SocketPair open() throws LinuxException {
        UnixSocket[] pair = UnixSocket.pair();
        return new SocketPair(pair[0], pair[1]);
    }

    @Override
    public void close() {
        a.close();
        b.close();
    }
}
