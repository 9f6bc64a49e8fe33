#!/usr/bin/env bash
# Prepare a small Linux guest (Debian 6.1 kernel + stock gpio-virtio driver built out of
# tree + busybox + libgpiod v2 tools) for vgpio's QEMU integration tests. It also carries
# gpio-sim and gpio-aggregator (built out of tree as well), the virtio-9p modules and the
# libc parts a host JDK shared in over 9p needs (see run-guest.sh: VGPIO_GUEST_SHARE, VGPIO_GUEST_JDK).
#
# Runs as root. Idempotent: a second run that finds everything in place does no apt or
# network access and finishes in about a second. Progress goes to stderr; the last line
# on stdout is the path of guest.env.
#
# Environment:
#   VGPIO_GUEST_CACHE   cache/output directory (default: $HOME/.cache/vgpio/guest)
#   VGPIO_GUEST_PREFERRED_ABI  kernel ABI to use if still served (default 6.1.0-56); otherwise
#                       the one linux-image-amd64 (bookworm) depends on now
#   VGPIO_GUEST_FORCE=1 ignore the stamp and the cached package manifest (re-resolve,
#                       re-download what changed, rebuild everything)
#   VGPIO_DEBIAN_MIRROR the archive for the bookworm-backports source, if this adds one (default: the one the
#                       machine's APT sources use, see scripts/lib/debian-sources.sh; deb.debian.org if none)
#
# Outputs in the cache directory: vmlinuz, base.cpio.gz, guest.env (KEY=VALUE lines).
# Test helpers built from scripts/guest/helpers/ into the initramfs (not loaded or run by /init):
#   /lib/modules/vgpio_level_irq.ko  level-triggered IRQ consumer (insmod ... line=N trigger=high|low)
#   /usr/bin/vgpio-echo              static uAPI v2 edge-to-output echo for latency tests
# gpio-virtio with vgpio's line configuration extension (linux/gpio-virtio-line-config/: the series applied with
# patch -p1 to a copy of the same source; not loaded by /init, a scenario swaps it in for the stock one with
# rmmod gpio_virtio; insmod /lib/modules/patched/gpio_virtio.ko):
#   /lib/modules/patched/gpio_virtio.ko
# The stamp covers this script, guest-lib.sh, guest-init.sh, the helpers' sources and the patch series: editing
# any rebuilds.
# What /init (guest-init.sh) does, in order:
#   - insmods lib/modules/load-order (the virtio chain and gpio_virtio), then
#     lib/modules/load-order-sim (configfs gpio_sim gpio_aggregator) and mounts configfs at
#     /sys/kernel/config: no simulated chip exists until a scenario creates one there;
#   - when QEMU exports a virtio-9p share, insmods lib/modules/load-order-9p and mounts each
#     share read-only at /mnt/<mount_tag> (run-guest.sh's tags: host, jdk);
#   - waits (up to 5 s) for /dev/gpiochip0 only when a virtio-gpio device is present, prints
#     VGPIO-GUEST-READY, runs /scenario.sh if there is one and powers off.
# See docs: /work/shared/docs/qemu-guest.md (sections 1-4, 6 and 7).
set -euo pipefail

# ---------------------------------------------------------------- settings
PREFERRED_ABI="${VGPIO_GUEST_PREFERRED_ABI:-6.1.0-56}"  # tested by the recipe; used if still served
QEMU_MIN_MAJOR=10
BACKPORTS_SUITE="bookworm-backports"
BACKPORTS_FILE="/etc/apt/sources.list.d/bookworm-backports.sources"
# libc6-dev (libc.a) and linux-libc-dev (<linux/gpio.h>) build the static vgpio-echo helper; patch applies the
# gpio-virtio series
HOST_PKGS=(gcc-12 make xz-utils cpio binutils libelf1 gzip libc6-dev linux-libc-dev patch)
# Doc load order; dependencies read from modinfo are inserted before their users.
VIRTIO_MODULES=(virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio virtio_pci)
SIM_MODULES=(configfs gpio_sim gpio_aggregator)       # gpio_sim and gpio_aggregator are built here
NINEP_MODULES=(9pnet 9pnet_virtio netfs fscache 9p)
# what Temurin's java, libjli, libjvm and libjava need beyond the tools' closure (zlib is bundled)
JDK_LIBS=(libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1)
GPIOD_TOOLS=(gpiodetect gpioinfo gpioget gpioset gpiomon gpionotify)

CACHE="${VGPIO_GUEST_CACHE:-$HOME/.cache/vgpio/guest}"
DEBS="$CACHE/debs"
BUILD="$CACHE/build"
STAMP="$CACHE/.stamp"
ENV_FILE="$CACHE/guest.env"
SELF="$(readlink -f "${BASH_SOURCE[0]}")"
HELPERS="$(dirname "$SELF")/helpers"
HELPER_SOURCES=(vgpio_level_irq.c vgpio-echo.c)
GUEST_LIB="$(dirname "$SELF")/guest-lib.sh"      # shared with prepare-newer-guest.sh
GUEST_INIT="$(dirname "$SELF")/guest-init.sh"    # the guest's /init
DEBIAN_SOURCES="$(dirname "$SELF")/../lib/debian-sources.sh"   # the machine's Debian archive
# gpio-virtio patch series (format-patch files; 0000-cover-letter.patch is not applied)
LINE_CONFIG_PATCHES="$(readlink -f "$(dirname "$SELF")/../../linux/gpio-virtio-line-config")"

export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C
APT_OPTS=(-q -o DPkg::Lock::Timeout=600 -o APT::Sandbox::User=root)

log()  { printf 'prepare-guest: %s\n' "$*" >&2; }
DIED=0
die()  { printf 'prepare-guest: ERROR: %s\n' "$*" >&2; DIED=1; exit 1; }
trap 'rc=$?; [ $rc -eq 0 ] || [ $DIED -eq 1 ] || printf "prepare-guest: FAILED (exit %s) at line %s: %s\n" "$rc" "$LINENO" "$BASH_COMMAND" >&2' EXIT

[ "$(id -u)" -eq 0 ] || die "must run as root (apt-get install, mknod)"
[ -s "$GUEST_LIB" ] && [ -s "$GUEST_INIT" ] && [ -s "$DEBIAN_SOURCES" ] \
    || die "missing $GUEST_LIB, $GUEST_INIT or $DEBIAN_SOURCES"
# shellcheck source=guest-lib.sh
. "$GUEST_LIB"
# shellcheck source=../lib/debian-sources.sh
. "$DEBIAN_SOURCES"

# ---------------------------------------------------------------- apt helpers
APT_UPDATED=0
apt_update_once() {
    [ "$APT_UPDATED" -eq 1 ] && return 0
    log "apt-get update"
    apt-get "${APT_OPTS[@]}" update >&2 || die "apt-get update failed"
    APT_UPDATED=1
}

# the backports suite from the archive (mirror, proxy) the machine's own Debian sources use
ensure_backports_source() {
    local uri
    debian_has_suite "$BACKPORTS_SUITE" && return 0
    uri="$(debian_archive_uri)"
    log "adding $BACKPORTS_SUITE source ($BACKPORTS_FILE, $uri)"
    cat > "$BACKPORTS_FILE" <<EOF
Types: deb
URIs: $uri
Suites: $BACKPORTS_SUITE
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    APT_UPDATED=0   # lists must be refreshed to see the new suite
}

pkg_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

qemu_major() {
    local q v
    q="$(command -v qemu-system-x86_64 || true)"
    [ -n "$q" ] || { echo 0; return; }
    v="$("$q" --version 2>/dev/null | sed -n 's/^QEMU emulator version \([0-9][0-9]*\)\..*/\1/p' | head -n1)"
    echo "${v:-0}"
}

# ---------------------------------------------------------------- 1. host packages
# one run at a time per cache directory (also serialises our apt use)
mkdir -p "$CACHE"
exec 9> "$CACHE/.lock"
flock 9 || die "cannot lock $CACHE/.lock"
missing=()
for p in "${HOST_PKGS[@]}"; do pkg_installed "$p" || missing+=("$p"); done
need_qemu=0
[ "$(qemu_major)" -ge "$QEMU_MIN_MAJOR" ] || need_qemu=1

if [ "${#missing[@]}" -gt 0 ] || [ "$need_qemu" -eq 1 ]; then
    ensure_backports_source
    apt_update_once
    if [ "${#missing[@]}" -gt 0 ]; then
        log "installing host packages: ${missing[*]}"
        apt-get "${APT_OPTS[@]}" install -y "${missing[@]}" >&2 \
            || die "apt-get install of host packages failed: ${missing[*]}"
    fi
    if [ "$need_qemu" -eq 1 ]; then
        log "installing qemu-system-x86 from $BACKPORTS_SUITE (need QEMU >= $QEMU_MIN_MAJOR, have $(qemu_major))"
        apt-get "${APT_OPTS[@]}" install -y --no-install-recommends -t "$BACKPORTS_SUITE" qemu-system-x86 >&2 \
            || die "apt-get install -t $BACKPORTS_SUITE qemu-system-x86 failed"
        [ "$(qemu_major)" -ge "$QEMU_MIN_MAJOR" ] \
            || die "qemu-system-x86_64 is still older than $QEMU_MIN_MAJOR after install (have $(qemu_major))"
    fi
fi
QEMU_BIN="$(command -v qemu-system-x86_64)"

# ---------------------------------------------------------------- fast path

for f in "${HELPER_SOURCES[@]}"; do [ -s "$HELPERS/$f" ] || die "helper source missing: $HELPERS/$f"; done
# content only (relative names), so a clone in another directory shares the cache
HELPERS_HASH="$(cd "$HELPERS" && sha256sum "${HELPER_SOURCES[@]}" | sha256sum | cut -d' ' -f1)"
PATCH_SERIES=()
for f in "$LINE_CONFIG_PATCHES"/[0-9][0-9][0-9][0-9]-*.patch; do
    [ -s "$f" ] || continue
    case "$(basename "$f")" in 0000-cover-letter.patch) ;; *) PATCH_SERIES+=("$(basename "$f")") ;; esac
done
[ "${#PATCH_SERIES[@]}" -gt 0 ] || die "no patches in $LINE_CONFIG_PATCHES"
PATCHES_HASH="$(cd "$LINE_CONFIG_PATCHES" && sha256sum "${PATCH_SERIES[@]}" | sha256sum | cut -d' ' -f1)"
STAMP_WANT="script=$(cat "$SELF" "$GUEST_LIB" "$GUEST_INIT" | sha256sum | cut -d' ' -f1) helpers=$HELPERS_HASH"
STAMP_WANT+=" patches=$PATCHES_HASH"

write_env() {   # (re)write guest.env only when its content changes
    local kver="$1" tmp v
    tmp="$(mktemp "$CACHE/.guest.env.XXXXXX")"
    {
        echo "# generated by scripts/guest/prepare-guest.sh; KEY=VALUE, no quoting"
        echo "VGPIO_GUEST_KERNEL=$CACHE/vmlinuz"
        echo "VGPIO_GUEST_INITRD_BASE=$CACHE/base.cpio.gz"
        echo "VGPIO_QEMU=$QEMU_BIN"
        echo "VGPIO_GUEST_KVER=$kver"
        cat "$CACHE/.env.build"
    } > "$tmp"
    while IFS= read -r v; do
        case "$v" in \#*) continue ;; esac
        [[ "$v" =~ ^[A-Z_]+=[A-Za-z0-9_./,:+~@%=-]*$ ]] || { rm -f "$tmp"; die "unsafe value in guest.env: $v"; }
    done < "$tmp"
    chmod 644 "$tmp"
    if [ -f "$ENV_FILE" ] && cmp -s "$tmp" "$ENV_FILE"; then rm -f "$tmp"; else mv -f "$tmp" "$ENV_FILE"; fi
    [ "$(stat -c %a "$ENV_FILE")" = 644 ] || chmod 644 "$ENV_FILE"
}

if [ "${VGPIO_GUEST_FORCE:-0}" != 1 ] && [ -f "$STAMP" ] && [ "$(head -n1 "$STAMP")" = "$STAMP_WANT" ] \
   && [ -s "$CACHE/vmlinuz" ] && [ -s "$CACHE/base.cpio.gz" ] && [ -s "$CACHE/.env.build" ]; then
    kver="$(sed -n 's/^kver=//p' "$STAMP")"
    write_env "$kver"
    log "up to date (kernel $kver)"
    echo "$ENV_FILE"
    exit 0
fi
rm -f "$STAMP"

# ---------------------------------------------------------------- 2. guest packages
mkdir -p "$DEBS"
MANIFEST="$DEBS/manifest"     # lines: role package version file

manifest_ok() {
    [ -f "$MANIFEST" ] || return 1
    local role pkg ver file n=0
    while read -r role pkg ver file; do
        [ -s "$DEBS/$file" ] || return 1
        n=$((n + 1))
    done < "$MANIFEST"
    [ "$n" -ge 9 ]
}

# madison lines "pkg | ver | url suite/comp arch Packages"; print versions (best first)
# from suites matching (or, with -v, not matching) a pattern
versions_in() {   # versions_in [-v] PATTERN PKG
    local inv=0; [ "$1" = -v ] && { inv=1; shift; }
    apt-cache madison "$2" 2>/dev/null | awk -F'|' -v pat="$1" -v inv="$inv" '
        { v=$2; gsub(/ /,"",v); s=$3; m=(s ~ pat); if ((m && !inv) || (!m && inv)) if (!seen[v]++) print v }'
}
has_version() { versions_in -v '^$' "$1" | grep -qxF -- "$2"; }

resolve_packages() {
    local abi kver imgver dep meta
    if [ -n "$(versions_in -v backports "linux-image-$PREFERRED_ABI-amd64" | head -n1)" ]; then
        abi="$PREFERRED_ABI"
    else
        meta="$(versions_in -v backports linux-image-amd64 | head -n1)"
        [ -n "$meta" ] || die "package not found: linux-image-amd64 (bookworm)"
        dep="$(apt-cache show "linux-image-amd64=$meta" | sed -n 's/^Depends: //p' | head -n1 \
               | grep -o 'linux-image-[0-9][^ ,]*-amd64' | head -n1 || true)"
        [ -n "$dep" ] || die "cannot read the kernel dependency of linux-image-amd64=$meta"
        abi="${dep#linux-image-}"; abi="${abi%-amd64}"
        log "linux-image-$PREFERRED_ABI-amd64 is no longer served; using $abi (linux-image-amd64 $meta depends on it)"
    fi
    kver="$abi-amd64"
    imgver="$(versions_in -v backports "linux-image-$kver" | head -n1)"
    [ -n "$imgver" ] || die "package not found: linux-image-$kver"
    SERIES="$(echo "$abi" | cut -d. -f1,2)"

    # role package version
    PKGS=("kernel linux-image-$kver $imgver")
    local p v
    for p in "linux-headers-$kver" "linux-headers-$abi-common"; do
        has_version "$p" "$imgver" || die "package not found: $p=$imgver (must match linux-image-$kver)"
        PKGS+=("build $p $imgver")
    done
    for p in "linux-kbuild-$SERIES" "linux-source-$SERIES"; do
        if has_version "$p" "$imgver"; then v="$imgver"; else
            v="$(versions_in -v backports "$p" | head -n1)"
            [ -n "$v" ] || die "package not found: $p"
            log "WARNING: $p=$imgver not served, using $v"
        fi
        PKGS+=("build $p $v")
    done
    for p in busybox-static libc6; do
        v="$(versions_in -v backports "$p" | head -n1)"
        [ -n "$v" ] || die "package not found: $p"
        PKGS+=("guest $p $v")
    done
    for p in gpiod libgpiod3; do
        v="$(versions_in "$BACKPORTS_SUITE" "$p" | head -n1)"
        [ -n "$v" ] || die "package not found in $BACKPORTS_SUITE: $p (is the backports source configured?)"
        case "$v" in 2.*) ;; *) die "$p from $BACKPORTS_SUITE is $v, but libgpiod 2.x is required" ;; esac
        PKGS+=("gpiod $p $v")
    done
}

download_packages() {
    local line role pkg ver enc f specs=() bp_specs=()
    : > "$MANIFEST.tmp"
    for line in "${PKGS[@]}"; do
        read -r role pkg ver <<< "$line"
        enc="${ver//:/%3a}"
        f="$(cd "$DEBS" && ls -1 "${pkg}_${enc}_"*.deb 2>/dev/null | head -n1 || true)"
        if [ -z "$f" ]; then
            if [ "$role" = gpiod ]; then bp_specs+=("$pkg=$ver"); else specs+=("$pkg=$ver"); fi
        fi
    done
    if [ "${#specs[@]}" -gt 0 ]; then
        log "apt-get download ${specs[*]}"
        (cd "$DEBS" && apt-get "${APT_OPTS[@]}" download "${specs[@]}" >&2) \
            || die "apt-get download failed for: ${specs[*]}"
    fi
    if [ "${#bp_specs[@]}" -gt 0 ]; then
        log "apt-get download -t $BACKPORTS_SUITE ${bp_specs[*]}"
        (cd "$DEBS" && apt-get "${APT_OPTS[@]}" download -t "$BACKPORTS_SUITE" "${bp_specs[@]}" >&2) \
            || die "apt-get download -t $BACKPORTS_SUITE failed for: ${bp_specs[*]}"
    fi
    for line in "${PKGS[@]}"; do
        read -r role pkg ver <<< "$line"
        enc="${ver//:/%3a}"
        f="$(cd "$DEBS" && ls -1 "${pkg}_${enc}_"*.deb 2>/dev/null | head -n1 || true)"
        [ -n "$f" ] || die "downloaded file for $pkg=$ver not found in $DEBS"
        echo "$role $pkg $ver $f" >> "$MANIFEST.tmp"
    done
    mv -f "$MANIFEST.tmp" "$MANIFEST"
}

if [ "${VGPIO_GUEST_FORCE:-0}" != 1 ] && manifest_ok; then
    log "using cached packages ($MANIFEST)"
else
    ensure_backports_source
    apt_update_once
    resolve_packages
    download_packages
fi

deb_of() { awk -v p="$1" '$2 == p { print ENVIRON["DEBS"] "/" $4; found=1 } END { exit !found }' "$MANIFEST" \
           || die "package $1 missing from $MANIFEST"; }
ver_of() { awk -v p="$1" '$2 == p { print $3 }' "$MANIFEST"; }
export DEBS
KDEB_PKG="$(awk '$1 == "kernel" { print $2 }' "$MANIFEST")"
KVER="${KDEB_PKG#linux-image-}"
ABI="${KVER%-amd64}"
SERIES="$(echo "$ABI" | cut -d. -f1,2)"
KDEB="$(deb_of "$KDEB_PKG")"
GPIOD_VER="$(ver_of gpiod)"
case "$GPIOD_VER" in 2.*) ;; *) die "cached gpiod is $GPIOD_VER, libgpiod 2.x required (rerun with VGPIO_GUEST_FORCE=1)" ;; esac
log "kernel $KVER ($(ver_of "$KDEB_PKG")), gpiod $GPIOD_VER"

# ---------------------------------------------------------------- 3a. gpio-virtio.ko
rm -rf "$BUILD"
mkdir -p "$BUILD"
KROOT="$BUILD/kroot"
MODDIR="$BUILD/gpio-virtio"
mkdir -p "$KROOT" "$MODDIR"

log "extracting kernel headers and kbuild"
for p in "linux-headers-$KVER" "linux-headers-$ABI-common" "linux-kbuild-$SERIES"; do
    dpkg-deb -x "$(deb_of "$p")" "$KROOT" || die "cannot extract $p"
done
HDR="$KROOT/usr/src/linux-headers-$KVER"
[ -f "$HDR/Makefile" ] || die "headers Makefile not found: $HDR/Makefile"
# The flavour Makefile (and possibly symlinks) refer to /usr/src/... and /usr/lib/linux-kbuild-*
# by absolute path: point them into the extraction directory.
sed -i -e "s#/usr/src/#$KROOT/usr/src/#g" -e "s#/usr/lib/linux-kbuild-#$KROOT/usr/lib/linux-kbuild-#g" "$HDR/Makefile"
while IFS= read -r -d '' l; do
    t="$(readlink "$l")"
    case "$t" in /usr/*) ln -sfn "$KROOT$t" "$l" ;; esac
done < <(find "$KROOT/usr/src" -maxdepth 2 -type l -print0)

SRC_FILES=(drivers/gpio/gpio-virtio.c drivers/gpio/gpio-sim.c drivers/gpio/gpiolib.h
           drivers/gpio/gpio-aggregator.c kernel/irq/irq_sim.c include/uapi/linux/virtio_gpio.h)
log "extracting ${SRC_FILES[*]} from linux-source-$SERIES (takes a while)"
dpkg-deb --fsys-tarfile "$(deb_of "linux-source-$SERIES")" \
    | tar -xO "./usr/src/linux-source-$SERIES.tar.xz" | xz -dc \
    | tar -x -C "$BUILD" "${SRC_FILES[@]/#/linux-source-$SERIES/}" \
    || die "cannot extract ${SRC_FILES[*]} from linux-source-$SERIES"
SRC="$BUILD/linux-source-$SERIES"
cp "$BUILD/linux-source-$SERIES/drivers/gpio/gpio-virtio.c" "$MODDIR/"
echo 'obj-m += gpio-virtio.o' > "$MODDIR/Kbuild"

log "building gpio-virtio.ko"
if ! make -C "$HDR" M="$MODDIR" -j"$(nproc)" modules > "$BUILD/module-build.log" 2>&1; then
    tail -n 30 "$BUILD/module-build.log" >&2
    die "module build failed (gpio-virtio.ko); full log: $BUILD/module-build.log"
fi
[ -s "$MODDIR/gpio-virtio.ko" ] || die "module build failed: $MODDIR/gpio-virtio.ko not produced"

build_module() {   # build_module DIR NAME [LOG]: make the Kbuild in DIR, expect DIR/NAME.ko
    local blog="$BUILD/${3:-$2}-build.log"
    log "building $2.ko${3:+ ($3)}"
    if ! make -C "$HDR" M="$1" -j"$(nproc)" modules > "$blog" 2>&1; then
        tail -n 30 "$blog" >&2
        die "module build failed ($2.ko${3:+, $3}); full log: $blog"
    fi
    [ -s "$1/$2.ko" ] || die "module build failed: $1/$2.ko not produced"
}

# gpio-virtio.ko with the line configuration series: the series patches the driver and the uapi header
# include/uapi/linux/virtio_gpio.h, so both are copied in their kernel tree layout and patched there. The driver
# includes <uapi/linux/virtio_gpio.h>, which the headers package also has (unpatched): NOSTDINC_FLAGS comes before
# the kernel's include paths on the compiler's command line, so the patched tree's copy is found first.
PATCHED="$BUILD/gpio-virtio-patched"
mkdir -p "$PATCHED/drivers/gpio" "$PATCHED/include/uapi/linux"
cp "$SRC/drivers/gpio/gpio-virtio.c" "$PATCHED/drivers/gpio/"
cp "$SRC/include/uapi/linux/virtio_gpio.h" "$PATCHED/include/uapi/linux/"
for f in "${PATCH_SERIES[@]}"; do
    log "applying $f"
    (cd "$PATCHED" && patch -p1 -s -F0 --no-backup-if-mismatch < "$LINE_CONFIG_PATCHES/$f") >&2 \
        || die "patch $LINE_CONFIG_PATCHES/$f does not apply to linux-source-$SERIES (without fuzz)"
done
grep -qs VIRTIO_GPIO_F_LINE_CONFIG "$PATCHED/include/uapi/linux/virtio_gpio.h" \
    || die "the series did not define VIRTIO_GPIO_F_LINE_CONFIG in include/uapi/linux/virtio_gpio.h"
printf 'obj-m += gpio-virtio.o\nNOSTDINC_FLAGS += -I%s/include\n' "$PATCHED" > "$PATCHED/drivers/gpio/Kbuild"
build_module "$PATCHED/drivers/gpio" gpio-virtio gpio-virtio-patched

# gpio-sim.ko (docs §6): Debian builds neither GPIO_SIM nor the IRQ_SIM it selects, so irq_sim.c is linked
# into the module. It calls the non-exported irq_to_desc() once, to run the simple flow handler of the
# interrupt: generic_handle_irq() runs the same handler through an exported symbol. The source is renamed
# so that the module keeps the name gpio-sim; gpiolib.h is gpiolib's private header, included by "".
SIMDIR="$BUILD/gpio-sim"
mkdir -p "$SIMDIR"
cp "$SRC/drivers/gpio/gpio-sim.c" "$SIMDIR/gpio-sim-main.c"
cp "$SRC/drivers/gpio/gpiolib.h" "$SIMDIR/"
sed 's/handle_simple_irq(irq_to_desc(\([a-z_]*\)))/generic_handle_irq(\1)/' "$SRC/kernel/irq/irq_sim.c" \
    > "$SIMDIR/irq_sim.c"
grep -q 'irq_to_desc' "$SIMDIR/irq_sim.c" \
    && die "irq_sim.c still calls irq_to_desc() (the source changed; adapt the rewrite in $SELF)"
printf 'obj-m += gpio-sim.o\ngpio-sim-y := gpio-sim-main.o irq_sim.o\n' > "$SIMDIR/Kbuild"
build_module "$SIMDIR" gpio-sim

AGGDIR="$BUILD/gpio-aggregator"
mkdir -p "$AGGDIR"
cp "$SRC/drivers/gpio/gpio-aggregator.c" "$AGGDIR/"
echo 'obj-m += gpio-aggregator.o' > "$AGGDIR/Kbuild"
build_module "$AGGDIR" gpio-aggregator

# test helper module, same headers and Kbuild approach (not in the /init load order)
LIRQDIR="$BUILD/vgpio_level_irq"
mkdir -p "$LIRQDIR"
cp "$HELPERS/vgpio_level_irq.c" "$LIRQDIR/"
echo 'obj-m += vgpio_level_irq.o' > "$LIRQDIR/Kbuild"
log "building vgpio_level_irq.ko (helper)"
if ! make -C "$HDR" M="$LIRQDIR" -j"$(nproc)" modules > "$BUILD/helper-module-build.log" 2>&1; then
    tail -n 30 "$BUILD/helper-module-build.log" >&2
    die "module build failed (vgpio_level_irq.ko); full log: $BUILD/helper-module-build.log"
fi
[ -s "$LIRQDIR/vgpio_level_irq.ko" ] || die "module build failed: $LIRQDIR/vgpio_level_irq.ko not produced"

# static userspace helper: the guest has glibc's shared libs, but static keeps it self-contained
log "building vgpio-echo (helper)"
grep -qs GPIO_V2_GET_LINE_IOCTL /usr/include/linux/gpio.h \
    || die "/usr/include/linux/gpio.h lacks the GPIO uAPI v2 (linux-libc-dev too old?)"
ECHO_BIN="$BUILD/vgpio-echo"
gcc-12 -O2 -static -s -Wall -Wextra -o "$ECHO_BIN" "$HELPERS/vgpio-echo.c" > "$BUILD/helper-echo-build.log" 2>&1 \
    || { cat "$BUILD/helper-echo-build.log" >&2; die "build of vgpio-echo failed (is libc6-dev installed?)"; }

# ---------------------------------------------------------------- 3b. virtio modules
KMODS="$BUILD/kmods"
mkdir -p "$KMODS"
log "collecting modules from $KDEB_PKG"
index_kdeb_modules

extract_from_kdeb "./boot/vmlinuz-$KVER" "./lib/modules/$KVER/modules.builtin"
BUILTIN="$KMODS/lib/modules/$KVER/modules.builtin"

# Extract the doc's modules in one pass; further dependencies on demand.
extract_modules "${VIRTIO_MODULES[@]}" "${SIM_MODULES[@]}" "${NINEP_MODULES[@]}"

STAGE_MODS="$BUILD/stage-modules"
mkdir -p "$STAGE_MODS"
# the modules built here, stripped of the debug info an out-of-tree build keeps (~10x size; the deb's
# modules are already stripped)
declare -A BUILT=([gpio_virtio]="$MODDIR/gpio-virtio.ko" [gpio_sim]="$SIMDIR/gpio-sim.ko"
                  [gpio_aggregator]="$AGGDIR/gpio-aggregator.ko")
for m in "${!BUILT[@]}"; do
    strip --strip-debug -o "$STAGE_MODS/$m.ko" "${BUILT[$m]}" || die "strip of ${BUILT[$m]} failed"
done
# the patched gpio-virtio: same module name, so it is staged apart (and not in BUILT: /init loads the stock one)
STAGE_PATCHED="$BUILD/stage-patched"
mkdir -p "$STAGE_PATCHED"
strip --strip-debug -o "$STAGE_PATCHED/gpio_virtio.ko" "$PATCHED/drivers/gpio/gpio-virtio.ko" \
    || die "strip of the patched gpio-virtio.ko failed"

for m in "${VIRTIO_MODULES[@]}"; do visit "$m"; done
visit gpio_virtio
CORE_ORDER=("${ORDER[@]}")
# the later groups only list what the earlier ones have not loaded yet
ORDER=()
for m in "${SIM_MODULES[@]}"; do visit "$m"; done
SIM_ORDER=("${ORDER[@]}")
ORDER=()
for m in "${NINEP_MODULES[@]}"; do visit "$m"; done
NINEP_ORDER=("${ORDER[@]}")
ORDER=("${CORE_ORDER[@]}")
[ "${#BUILTINS[@]}" -eq 0 ] || log "built into the kernel (not loaded): ${BUILTINS[*]}"
log "module load order: ${CORE_ORDER[*]}; then ${SIM_ORDER[*]}; with a 9p share: ${NINEP_ORDER[*]}"

want_magic="$(modinfo_field "$STAGE_MODS/${ORDER[0]}.ko" vermagic)"
for m in "${!BUILT[@]}"; do
    have_magic="$(modinfo_field "$STAGE_MODS/$m.ko" vermagic)"
    [ "$want_magic" = "$have_magic" ] \
        || die "$m.ko vermagic '$have_magic' does not match the kernel's '$want_magic'"
done
have_magic="$(modinfo_field "$LIRQDIR/vgpio_level_irq.ko" vermagic)"
[ "$want_magic" = "$have_magic" ] \
    || die "vgpio_level_irq.ko vermagic '$have_magic' does not match the kernel's '$want_magic'"
have_magic="$(modinfo_field "$STAGE_PATCHED/gpio_virtio.ko" vermagic)"
[ "$want_magic" = "$have_magic" ] \
    || die "the patched gpio_virtio.ko vermagic '$have_magic' does not match the kernel's '$want_magic'"

# ---------------------------------------------------------------- 4. base initramfs
ROOT="$BUILD/rootfs"
EXT="$BUILD/ext"
mkdir -p "$ROOT" "$EXT"
log "assembling initramfs"
for p in busybox-static libc6 gpiod libgpiod3; do
    dpkg-deb -x "$(deb_of "$p")" "$EXT/$p" || die "cannot extract $p"
done

assemble_userland "$ROOT" "$EXT"

cp "$STAGE_MODS"/*.ko "$ROOT/lib/modules/"
mkdir -p "$ROOT/lib/modules/patched"
cp "$STAGE_PATCHED/gpio_virtio.ko" "$ROOT/lib/modules/patched/gpio_virtio.ko"
cp "$LIRQDIR/vgpio_level_irq.ko" "$ROOT/lib/modules/vgpio_level_irq.ko"
strip --strip-debug "$ROOT/lib/modules/vgpio_level_irq.ko" || die "strip of vgpio_level_irq.ko failed"
install -m 0755 "$ECHO_BIN" "$ROOT/usr/bin/vgpio-echo"
printf '%s\n' "${CORE_ORDER[@]}" > "$ROOT/lib/modules/load-order"
printf '%s\n' "${SIM_ORDER[@]}" > "$ROOT/lib/modules/load-order-sim"
printf '%s\n' "${NINEP_ORDER[@]}" > "$ROOT/lib/modules/load-order-9p"


install -m 0755 "$GUEST_INIT" "$ROOT/init"

write_initramfs "$ROOT" "$CACHE/base.cpio.gz"
cp "$KMODS/boot/vmlinuz-$KVER" "$CACHE/vmlinuz.tmp" && mv -f "$CACHE/vmlinuz.tmp" "$CACHE/vmlinuz"

# ---------------------------------------------------------------- 5. outputs
modlist="$(IFS=,; echo "${CORE_ORDER[*]}")"
{
    echo "VGPIO_GUEST_KPKG_VERSION=$(ver_of "$KDEB_PKG")"
    echo "VGPIO_GUEST_LIBGPIOD_VERSION=$GPIOD_VER"
    echo "VGPIO_GUEST_MODULES=$modlist"
    echo "VGPIO_GUEST_SIM_MODULES=$(IFS=,; echo "${SIM_ORDER[*]}")"
    echo "VGPIO_GUEST_NINEP_MODULES=$(IFS=,; echo "${NINEP_ORDER[*]}")"
    echo "VGPIO_GUEST_CACHE=$CACHE"
} > "$CACHE/.env.build"
write_env "$KVER"

# keep the debs (offline rebuilds), drop the bulky build tree
rm -rf "$BUILD/kroot" "$BUILD/linux-source-$SERIES" "$BUILD/kmods" "$BUILD/ext"

printf '%s\nkver=%s\n' "$STAMP_WANT" "$KVER" > "$STAMP"
log "done: kernel $KVER, initramfs $(du -h "$CACHE/base.cpio.gz" | cut -f1)"
echo "$ENV_FILE"
