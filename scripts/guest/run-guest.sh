#!/usr/bin/env bash
# Usage: run-guest.sh INITRD SOCKET [EXTRA QEMU ARGS...]
# Boots the test guest under QEMU (TCG). SOCKET is the vhost-user-gpio back end's listening
# Unix socket (it must be listening before this starts); `-` boots without the device.
# The guest console (ttyS0) is on stdio; QEMU exits when the guest powers off or panics.
# Wrap it in a host-side timeout: a back end that never answers hangs the guest forever.
#
# Environment: VGPIO_GUEST_ENV (default ${VGPIO_GUEST_CACHE:-$HOME/.cache/vgpio/guest}/guest.env),
#   VGPIO_GUEST_MEM (default 512M), VGPIO_GUEST_SMP (vCPUs, default 2), VGPIO_GUEST_APPEND (extra kernel command line),
#   VGPIO_GUEST_QMP (a Unix socket path for a QMP monitor, to pause and resume the VM),
#   VGPIO_GUEST_SERIAL (QEMU's -serial for the console, default stdio; mon:stdio passes Ctrl-C to the guest),
#   VGPIO_GUEST_CHARDEV (extra options for the vhost-user chardev, e.g. reconnect-ms=1000, or server=on,wait=on
#   to have QEMU listen on SOCKET for a back end that connects, such as vgpio serve --connect),
#   VGPIO_GUEST_SHARE (a host directory exported read-only over virtio-9p, mount_tag host; the guest's /init
#   mounts it at /mnt/host), VGPIO_GUEST_JDK (a host JDK's home, such as $JAVA_HOME, exported the same way with
#   mount_tag jdk at /mnt/jdk: a scenario runs /mnt/jdk/bin/java; give the guest VGPIO_GUEST_MEM=1G).
set -euo pipefail

die() { printf 'run-guest: ERROR: %s\n' "$*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: $0 INITRD SOCKET|- [EXTRA QEMU ARGS...]"
initrd="$1"; socket="$2"; shift 2
[ -f "$initrd" ] || die "initrd not found: $initrd"

env_file="${VGPIO_GUEST_ENV:-${VGPIO_GUEST_CACHE:-$HOME/.cache/vgpio/guest}/guest.env}"
[ -f "$env_file" ] || die "$env_file not found; run scripts/guest/prepare-guest.sh first"
# shellcheck disable=SC1090
. "$env_file"
[ -x "${VGPIO_QEMU:-}" ] || die "QEMU not found: '${VGPIO_QEMU:-}' (from $env_file)"
[ -f "${VGPIO_GUEST_KERNEL:-}" ] || die "kernel not found: '${VGPIO_GUEST_KERNEL:-}' (from $env_file)"

mem="${VGPIO_GUEST_MEM:-512M}"
args=(
    -M q35,memory-backend=mem -accel tcg,thread=multi -smp "${VGPIO_GUEST_SMP:-2}" -m "$mem"
    -object "memory-backend-memfd,id=mem,size=$mem,share=on"
)
if [ "$socket" != "-" ]; then
    case ",${VGPIO_GUEST_CHARDEV:-}," in
        *,server=on,*) ;; # QEMU listens on the socket itself; the back end connects to it
        *) [ -S "$socket" ] || die "no listening socket at $socket (start the back end first)" ;;
    esac
    args+=(-chardev "socket,id=vgpio,path=$socket${VGPIO_GUEST_CHARDEV:+,$VGPIO_GUEST_CHARDEV}"
           -device vhost-user-gpio-pci,chardev=vgpio,id=vgpio0)
fi
[ -n "${VGPIO_GUEST_QMP:-}" ] && args+=(-qmp "unix:$VGPIO_GUEST_QMP,server=on,wait=off")
share() {   # share TAG DIR: a read-only virtio-9p export (QEMU's option syntax doubles a comma in a value)
    [ -d "$2" ] || die "not a directory: $2 (to share as 9p tag $1)"
    local path
    path="$(readlink -f "$2")"
    args+=(-fsdev "local,id=fs_$1,path=${path//,/,,},security_model=none,readonly=on"
           -device "virtio-9p-pci,fsdev=fs_$1,mount_tag=$1")
}
[ -n "${VGPIO_GUEST_SHARE:-}" ] && share host "$VGPIO_GUEST_SHARE"
if [ -n "${VGPIO_GUEST_JDK:-}" ]; then
    [ -x "$VGPIO_GUEST_JDK/bin/java" ] || die "no bin/java in VGPIO_GUEST_JDK=$VGPIO_GUEST_JDK"
    share jdk "$VGPIO_GUEST_JDK"
fi
[ -f /usr/share/qemu/qboot.rom ] && args+=(-bios /usr/share/qemu/qboot.rom)
args+=(
    -kernel "$VGPIO_GUEST_KERNEL" -initrd "$initrd"
    -append "console=ttyS0 quiet panic=-1${VGPIO_GUEST_APPEND:+ $VGPIO_GUEST_APPEND}"
    -nographic -serial "${VGPIO_GUEST_SERIAL:-stdio}" -monitor none -no-reboot -nodefaults
)
exec "$VGPIO_QEMU" "${args[@]}" "$@"
