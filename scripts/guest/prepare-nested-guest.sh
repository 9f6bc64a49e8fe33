#!/usr/bin/env bash
# Prepare the main test guest for nesting: a guest (L2) that a QEMU inside the test guest (L1) boots under TCG.
# Nested TCG runs the inner guest's code some forty times slower than one level of TCG, and the step that suffers
# most is the bzImage decompressor: unpacking the 62 MiB kernel from its xz stream took 3 minutes there.
# So this extracts the uncompressed vmlinux from the guest's bzImage once, on the host; QEMU boots it directly
# through its PVH entry point (Debian's kernels have CONFIG_PVH=y), which also saves about 3 s per boot without
# nesting. The initramfs and everything else stay those of the main guest (prepare-guest.sh).
#
# Runs after prepare-guest.sh (needs its guest.env, xz and readelf). Idempotent: a run that finds vmlinux newer
# than the guest's vmlinuz only prints the env file. Progress goes to stderr; the last line on stdout is the path
# of nested.env: guest.env with VGPIO_GUEST_KERNEL pointing at the vmlinux, for run-guest.sh and make-scenario.sh
# (VGPIO_GUEST_ENV) on the host and, through a chroot of the host's root, inside L1 (nested-lib.sh).
#
# Environment:
#   VGPIO_GUEST_CACHE   the guest cache directory (default: $HOME/.cache/vgpio/guest); outputs go to nested/
#   VGPIO_GUEST_FORCE=1 extract again
set -euo pipefail
export LC_ALL=C

log() { printf 'prepare-nested-guest: %s\n' "$*" >&2; }
die() { printf 'prepare-nested-guest: ERROR: %s\n' "$*" >&2; exit 1; }

CACHE="${VGPIO_GUEST_CACHE:-$HOME/.cache/vgpio/guest}"
GUEST_ENV="$CACHE/guest.env"
OUT="$CACHE/nested"
VMLINUX="$OUT/vmlinux"
ENV_FILE="$OUT/nested.env"
[ -f "$GUEST_ENV" ] || die "$GUEST_ENV not found; run scripts/guest/prepare-guest.sh first"
kernel="$(sed -n 's/^VGPIO_GUEST_KERNEL=//p' "$GUEST_ENV" | tail -n1)"
[ -s "$kernel" ] || die "the guest kernel '$kernel' (from $GUEST_ENV) is missing"
for t in xz readelf grep tail; do
    command -v "$t" >/dev/null || die "$t not found (prepare-guest.sh installs the host tools)"
done
mkdir -p "$OUT"

if [ "${VGPIO_GUEST_FORCE:-0}" = 1 ] || [ ! -s "$VMLINUX" ] || [ "$kernel" -nt "$VMLINUX" ]; then
    log "extracting vmlinux from $kernel"
    # the bzImage's payload is one xz stream (CONFIG_KERNEL_XZ); the decompressor stub and a trailer surround it
    off="$(grep -obUaP '\xfd7zXZ\x00' "$kernel" | head -n1 | cut -d: -f1)"
    [ -n "$off" ] || die "no xz stream in $kernel (is it not CONFIG_KERNEL_XZ?)"
    tmp="$(mktemp "$OUT/.vmlinux.XXXXXX")"
    trap 'rm -f "$tmp" "$tmp.xz"' EXIT
    tail -c +"$((off + 1))" "$kernel" > "$tmp.xz"
    xz -dc --single-stream "$tmp.xz" > "$tmp" || die "xz could not unpack the payload of $kernel"
    [ "$(head -c 4 "$tmp" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] || die "the payload of $kernel is no ELF file"
    # XEN_ELFNOTE_PHYS32_ENTRY (18): the PVH entry point QEMU's -kernel boots an ELF vmlinux through
    readelf -n "$tmp" | grep -Eq 'Xen[[:space:]].*(0x00000012|PHYS32)' \
        || die "the vmlinux of $kernel has no PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY); QEMU cannot boot it"
    chmod 0644 "$tmp"
    mv -f "$tmp" "$VMLINUX"
    log "vmlinux: $(($(stat -c %s "$VMLINUX") / 1048576)) MiB"
fi

tmp_env="$(mktemp "$OUT/.nested.env.XXXXXX")"
{
    grep -v '^VGPIO_GUEST_KERNEL=' "$GUEST_ENV"
    echo "# prepare-nested-guest.sh: the same kernel, uncompressed, booted through its PVH entry point"
    echo "VGPIO_GUEST_KERNEL=$VMLINUX"
} > "$tmp_env"
if cmp -s "$tmp_env" "$ENV_FILE"; then rm -f "$tmp_env"; else mv -f "$tmp_env" "$ENV_FILE"; fi
echo "$ENV_FILE"
