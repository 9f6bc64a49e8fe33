package dev.vgpio.sys;

/**
 * Linux errno values (x86_64, as in {@code <asm-generic/errno.h>}) and their symbolic names.
 */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENOTTY = 25;
    public static final int EPIPE = 32;
    public static final int ENOTSOCK = 88;
    public static final int EOPNOTSUPP = 95;
    public static final int EADDRINUSE = 98;
    public static final int ECONNRESET = 104;
    public static final int ECONNREFUSED = 111;
    /**
     * The kernel's own ENOTSUPP ({@code <linux/errno.h>}, not a libc errno): gpiolib's "the chip cannot", which a
     * driver's error may carry out to the uAPI.
     */
    public static final int ENOTSUPP = 524;

    private static final String[] NAMES = ("- EPERM ENOENT ESRCH EINTR EIO ENXIO E2BIG ENOEXEC EBADF ECHILD EAGAIN"
            + " ENOMEM EACCES EFAULT ENOTBLK EBUSY EEXIST EXDEV ENODEV ENOTDIR EISDIR EINVAL ENFILE EMFILE ENOTTY"
            + " ETXTBSY EFBIG ENOSPC ESPIPE EROFS EMLINK EPIPE EDOM ERANGE EDEADLK ENAMETOOLONG ENOLCK ENOSYS"
            + " ENOTEMPTY ELOOP - ENOMSG EIDRM ECHRNG EL2NSYNC EL3HLT EL3RST ELNRNG EUNATCH ENOCSI EL2HLT EBADE"
            + " EBADR EXFULL ENOANO EBADRQC EBADSLT - EBFONT ENOSTR ENODATA ETIME ENOSR ENONET ENOPKG EREMOTE"
            + " ENOLINK EADV ESRMNT ECOMM EPROTO EMULTIHOP EDOTDOT EBADMSG EOVERFLOW ENOTUNIQ EBADFD EREMCHG"
            + " ELIBACC ELIBBAD ELIBSCN ELIBMAX ELIBEXEC EILSEQ ERESTART ESTRPIPE EUSERS ENOTSOCK EDESTADDRREQ"
            + " EMSGSIZE EPROTOTYPE ENOPROTOOPT EPROTONOSUPPORT ESOCKTNOSUPPORT EOPNOTSUPP EPFNOSUPPORT"
            + " EAFNOSUPPORT EADDRINUSE EADDRNOTAVAIL ENETDOWN ENETUNREACH ENETRESET ECONNABORTED ECONNRESET"
            + " ENOBUFS EISCONN ENOTCONN ESHUTDOWN ETOOMANYREFS ETIMEDOUT ECONNREFUSED EHOSTDOWN EHOSTUNREACH"
            + " EALREADY EINPROGRESS ESTALE EUCLEAN ENOTNAM ENAVAIL EISNAM EREMOTEIO EDQUOT ENOMEDIUM EMEDIUMTYPE"
            + " ECANCELED ENOKEY EKEYEXPIRED EKEYREVOKED EKEYREJECTED EOWNERDEAD ENOTRECOVERABLE ERFKILL EHWPOISON")
            .split(" ");

    /** The symbolic name, such as {@code "ENOENT"}; {@code "errno 200"} for a number Linux does not define. */
    public static String name(int errno) {
        if (errno > 0 && errno < NAMES.length && !NAMES[errno].equals("-")) {
            return NAMES[errno];
        }
        if (errno == ENOTSUPP) {
            return "ENOTSUPP";
        }
        return "errno " + errno;
    }

    /** The C library's description ({@code strerror}), such as {@code "No such file or directory"}. */
    public static String describe(int errno) {
        if (errno == ENOTSUPP) {
            return "Not supported by the device's driver";
        }
        String text = Libc.strerror(errno);
        return text != null ? text : "error " + errno;
    }
}
