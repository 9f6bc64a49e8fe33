# A nested guest for a scenario of the test guest (busybox sh; sourced, not run).
#
# The outer guest (L1) boots with the host's root filesystem shared read-only over virtio-9p (run-guest.sh with
# VGPIO_GUEST_SHARE=/, mounted at /mnt/host), and runs the host's own QEMU in a chroot of it to boot an inner
# guest (L2) under TCG: QEMU is not in the guest's initramfs, and the host's binaries run unchanged on the host's
# libraries. The chroot gets L1's /proc, /sys and /dev and a tmpfs /run, where a vhost-user back end running in L1
# (outside the chroot) puts the socket that the chrooted QEMU connects to: $NESTED_HOST/run/X in L1 is /run/X in
# the chroot. Paths handed to nested_start are as the chroot sees them, which is as the host sees them.
#
# The inner guest is booted by run-guest.sh itself, with VGPIO_GUEST_ENV=$NESTED_ENV: use prepare-nested-guest.sh's
# nested.env (the kernel as an uncompressed vmlinux: its bzImage decompressor alone takes minutes under nested TCG).
# L2's console goes to L1's console line by line with the prefix "L2| " (and to $NESTED_DIR/console, where
# nested_await looks for markers); what nested_send writes is typed on it.
#
# Set before sourcing:
#   NESTED_SCRIPTS  this directory as the host sees it (the chroot runs $NESTED_SCRIPTS/run-guest.sh)
#   NESTED_ENV      the env file for L2 (the host's path of nested.env)
# Optional: NESTED_HOST (default /mnt/host), NESTED_DIR (L1's work directory, default /tmp/nested),
#   NESTED_MEM (L2's memory, default 256M), NESTED_SMP (default 1), NESTED_APPEND (L2's extra kernel command line,
#   default cryptomgr.notests: the crypto self-tests cost seconds there).
#
# Nested TCG is about forty times slower than TCG: L2 takes 1.5 to 3 minutes from QEMU's start to its /init on a
# 2-core host, depending on what else runs (2.7 s without nesting), and each libgpiod tool run about a second.

NESTED_HOST="${NESTED_HOST:-/mnt/host}"
NESTED_DIR="${NESTED_DIR:-/tmp/nested}"
NESTED_PID=
NESTED_SEEN=0

nested_secs() { cut -d. -f1 /proc/uptime; }

# nested_setup: mounts what the chroot needs over the host's root (idempotent)
nested_setup() {
    local m d
    [ -n "${NESTED_SCRIPTS:-}" ] && [ -n "${NESTED_ENV:-}" ] || { echo "nested: set NESTED_SCRIPTS and NESTED_ENV"; return 1; }
    [ -x "$NESTED_HOST/usr/bin/env" ] \
        || { echo "nested: the host's root is not at $NESTED_HOST (boot L1 with VGPIO_GUEST_SHARE=/)"; return 1; }
    [ -f "$NESTED_HOST$NESTED_SCRIPTS/run-guest.sh" ] || { echo "nested: no run-guest.sh in $NESTED_SCRIPTS"; return 1; }
    [ -f "$NESTED_HOST$NESTED_ENV" ] || { echo "nested: no env file $NESTED_ENV"; return 1; }
    for m in run:tmpfs proc:proc sys:sysfs dev:devtmpfs; do
        d="$NESTED_HOST/${m%%:*}"
        grep -q " $d " /proc/mounts && continue
        mount -t "${m#*:}" "${m#*:}" "$d" || { echo "nested: cannot mount ${m#*:} on $d"; return 1; }
    done
    mkdir -p "$NESTED_DIR"
}

# the L2 console reader: prefixes each line, keeps a copy for nested_await
nested_console() {
    local cr l
    cr="$(printf '\r')"
    while IFS= read -r l || [ -n "$l" ]; do
        l="${l%"$cr"}"
        echo "L2| $l"
        echo "$l" >> "$NESTED_DIR/console"
    done
}

# nested_start INITRD SOCKET: boots L2 in the background (run-guest.sh's arguments, paths as the chroot sees them);
# NESTED_PID is its QEMU (chroot, env, bash and run-guest.sh all exec into it)
nested_start() {
    rm -f "$NESTED_DIR/in" "$NESTED_DIR/out"
    : > "$NESTED_DIR/console"
    NESTED_SEEN=0
    mkfifo "$NESTED_DIR/in" "$NESTED_DIR/out" || return 1
    exec 8<>"$NESTED_DIR/in"   # held open read-write: L2's console input never ends, nested_send writes here
    nested_console < "$NESTED_DIR/out" &
    chroot "$NESTED_HOST" /usr/bin/env HOME=/root VGPIO_GUEST_ENV="$NESTED_ENV" \
        VGPIO_GUEST_MEM="${NESTED_MEM:-256M}" VGPIO_GUEST_SMP="${NESTED_SMP:-1}" \
        VGPIO_GUEST_APPEND="${NESTED_APPEND-cryptomgr.notests}" \
        /bin/bash "$NESTED_SCRIPTS/run-guest.sh" "$1" "$2" <&8 > "$NESTED_DIR/out" 2>&1 &
    NESTED_PID=$!
    echo "VGPIO-NESTED-START pid $NESTED_PID at $(cut -d' ' -f1 /proc/uptime)"
}

nested_alive() { [ -n "$NESTED_PID" ] && kill -0 "$NESTED_PID" 2>/dev/null; }

# nested_await TEXT SECONDS: waits for a line of L2's console containing TEXT after the line the last call found
# (markers are awaited in order); prints nothing, fails when the time is up or L2 is gone without it
nested_await() {
    local end n
    end=$(($(nested_secs) + $2))
    while :; do
        n="$(tail -n +$((NESTED_SEEN + 1)) "$NESTED_DIR/console" | grep -n -m1 -F -- "$1" | cut -d: -f1)"
        if [ -n "$n" ]; then
            NESTED_SEEN=$((NESTED_SEEN + n))
            return 0
        fi
        if ! nested_alive; then
            sleep 1   # the console reader may still be writing L2's last lines
            n="$(tail -n +$((NESTED_SEEN + 1)) "$NESTED_DIR/console" | grep -n -m1 -F -- "$1" | cut -d: -f1)"
            [ -n "$n" ] && { NESTED_SEEN=$((NESTED_SEEN + n)); return 0; }
            echo "VGPIO-NESTED-GONE waiting for '$1'"
            return 1
        fi
        if [ "$(nested_secs)" -ge "$end" ]; then
            echo "VGPIO-NESTED-TIMEOUT waiting $2 s for '$1'"
            return 1
        fi
        sleep 0.2
    done
}

# nested_send LINE: types LINE on L2's console
nested_send() { echo "$1" >&8; }

# nested_finish SECONDS: waits for L2 to power off, kills it after SECONDS; prints VGPIO-NESTED-EXIT STATUS
nested_finish() {
    local end rc
    [ -n "$NESTED_PID" ] || return 1
    end=$(($(nested_secs) + $1))
    while nested_alive && [ "$(nested_secs)" -lt "$end" ]; do sleep 0.2; done
    if nested_alive; then
        echo "VGPIO-NESTED-KILL after $1 s"
        kill -9 "$NESTED_PID"
    fi
    wait "$NESTED_PID"
    rc=$?
    sleep 1   # let the console reader drain
    NESTED_PID=
    echo "VGPIO-NESTED-EXIT $rc"
    return "$rc"
}
