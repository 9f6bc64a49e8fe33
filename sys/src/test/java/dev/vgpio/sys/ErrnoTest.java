package dev.vgpio.sys;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ErrnoTest {
    @Test
    void namesKnownNumbers() {
        assertThat(Errno.name(Errno.ENOENT)).isEqualTo("ENOENT");
        assertThat(Errno.name(Errno.EAGAIN)).isEqualTo("EAGAIN");
        assertThat(Errno.name(Errno.EINTR)).isEqualTo("EINTR");
        assertThat(Errno.name(Errno.ECONNREFUSED)).isEqualTo("ECONNREFUSED");
        assertThat(Errno.name(Errno.EADDRINUSE)).isEqualTo("EADDRINUSE");
        assertThat(Errno.name(Errno.EPIPE)).isEqualTo("EPIPE");
        assertThat(Errno.name(Errno.ECONNRESET)).isEqualTo("ECONNRESET");
        assertThat(Errno.name(Errno.EBADF)).isEqualTo("EBADF");
        assertThat(Errno.name(Errno.EINVAL)).isEqualTo("EINVAL");
        assertThat(Errno.name(133)).isEqualTo("EHWPOISON");
        assertThat(Errno.name(Errno.EOPNOTSUPP)).isEqualTo("EOPNOTSUPP");
    }

    @Test
    void namesTheKernelsOwnEnotsupp() {
        assertThat(Errno.name(Errno.ENOTSUPP)).isEqualTo("ENOTSUPP");
        assertThat(Errno.describe(Errno.ENOTSUPP)).isEqualTo("Not supported by the device's driver");
    }

    @Test
    void namesUnknownNumbersByValue() {
        assertThat(Errno.name(41)).isEqualTo("errno 41");
        assertThat(Errno.name(0)).isEqualTo("errno 0");
        assertThat(Errno.name(9999)).isEqualTo("errno 9999");
    }

    @Test
    void describesWithTheCLibraryText() {
        assertThat(Errno.describe(Errno.ENOENT)).isEqualTo("No such file or directory");
    }

    @Test
    void exceptionMessageNamesCallErrnoAndDescription() {
        LinuxException e = new LinuxException("connect(/tmp/x.sock)", Errno.ENOENT);
        assertThat(e).hasMessage("connect(/tmp/x.sock) failed: ENOENT (No such file or directory)");
        assertThat(e.errno()).isEqualTo(Errno.ENOENT);
        assertThat(e.call()).isEqualTo("connect(/tmp/x.sock)");
        assertThat(e).isInstanceOf(java.io.IOException.class);
    }
}
