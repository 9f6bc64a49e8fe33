#!/usr/bin/env bash
# Prepare a second test guest with a newer kernel: Debian trixie-backports' (7.x), whose gpio-aggregator has the
# configfs interface (Linux 6.16+). gpio-sim, configfs and the virtio-9p modules come from the kernel's own
# packages; gpio-aggregator.ko (CONFIG_GPIO_AGGREGATOR is not set there) is built out of tree in a throwaway
# trixie build root (the kernel's kbuild tools need gcc-14 and glibc 2.38+), assembled with dpkg-deb -x and
# entered with chroot. The userland is the 6.1 guest's: bookworm's busybox and libc6 (the host's bookworm-built
# JDK runs on it) and libgpiod 2 from bookworm-backports; /init is the same guest-init.sh. No gpio-virtio in the
# guest: but the build applies vgpio's gpio-virtio line-configuration series (linux/gpio-virtio-line-config/) to
# this kernel's drivers/gpio/gpio-virtio.c and include/uapi/linux/virtio_gpio.h and builds the patched module in
# the same build root, as a check that the series still fits the newer driver (the module is not installed).
#
# Runs as root, after prepare-guest.sh (which installs QEMU 10 and the host tools). Packages come through a
# private APT configuration under the cache directory: /etc/apt is not changed, and of it only the Debian archive
# of the machine's sources is used (the same mirror or caching proxy; scripts/lib/debian-sources.sh). Idempotent:
# a run that finds everything in place does no network access. Progress goes to stderr; the last line on stdout is
# the path of newer.env (the keys of guest.env: point VGPIO_GUEST_ENV at it for run-guest.sh and make-scenario.sh).
#
# Environment:
#   VGPIO_GUEST_CACHE   the guest cache directory (default: $HOME/.cache/vgpio/guest); this guest lives in its
#                       subdirectory newer/
#   VGPIO_NEWER_GUEST_PREFERRED_ABI  kernel ABI to use if trixie-backports still serves it (default
#                       7.3.4+deb13); otherwise the one linux-image-amd64 (trixie-backports) depends on now
#   VGPIO_GUEST_FORCE=1 ignore the stamp and the cached package manifests (re-resolve, re-download, rebuild)
#   VGPIO_DEBIAN_MIRROR the archive to download from (default: the machine's, deb.debian.org if it has none)
#
# Outputs in newer/: vmlinuz, base.cpio.gz, newer.env. The stamp covers this script, guest-lib.sh, guest-init.sh
# and the patch series: editing any rebuilds. The kept debs (kernel, guest userland, build root) make a rebuild
# offline; the build tree and the APT lists are dropped after a successful run.
set -euo pipefail

# ---------------------------------------------------------------- settings
PREFERRED_ABI="${VGPIO_NEWER_GUEST_PREFERRED_ABI:-7.3.4+deb13}"
KERNEL_SUITE=trixie-backports
BUILD_SUITE=trixie
USER_SUITE=bookworm
GPIOD_SUITE=bookworm-backports
# the build root: the compiler the kernel was built with, make, and what kbuild's tools and scripts run on
TC_PKGS=(gcc-14 make binutils libc6-dev dash bash coreutils sed grep gawk findutils diffutils xz-utils
         libelf1t64 libssl3t64 zlib1g pahole)
HOST_TOOLS=(dpkg-deb apt-get apt-cache xz cpio gzip readelf strip chroot mount umount mountpoint patch)
VIRTIO_MODULES=(virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio virtio_pci)
SIM_MODULES=(configfs gpio_sim gpio_aggregator)       # gpio_aggregator is built here
NINEP_MODULES=(9pnet 9pnet_virtio netfs 9p)         # fscache is part of netfs since 6.8
JDK_LIBS=(libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1)
GPIOD_TOOLS=(gpiodetect gpioinfo gpioget gpioset gpiomon gpionotify)

CACHE="${VGPIO_GUEST_CACHE:-$HOME/.cache/vgpio/guest}/newer"
APTDIR="$CACHE/apt"
DEBS="$CACHE/debs"
TCDEBS="$CACHE/toolchain-debs"
BUILD="$CACHE/build"
STAMP="$CACHE/.stamp"
ENV_FILE="$CACHE/newer.env"
SELF="$(readlink -f "${BASH_SOURCE[0]}")"
GUEST_LIB="$(dirname "$SELF")/guest-lib.sh"
GUEST_INIT="$(dirname "$SELF")/guest-init.sh"
DEBIAN_SOURCES="$(dirname "$SELF")/../lib/debian-sources.sh"
# gpio-virtio patch series (format-patch files; 0000-cover-letter.patch is not applied), as prepare-guest.sh uses it
LINE_CONFIG_PATCHES="$(readlink -f "$(dirname "$SELF")/../../linux/gpio-virtio-line-config")"

export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C
export APT_CONFIG="$APTDIR/apt.conf"

log()  { printf 'prepare-newer-guest: %s\n' "$*" >&2; }
DIED=0
die()  { printf 'prepare-newer-guest: ERROR: %s\n' "$*" >&2; DIED=1; exit 1; }
R=""   # the build root, while /proc is mounted in it
cleanup() {
    local rc=$?
    [ -n "$R" ] && mountpoint -q "$R/proc" && umount "$R/proc"
    [ $rc -eq 0 ] || [ $DIED -eq 1 ] || printf 'prepare-newer-guest: FAILED (exit %s)\n' "$rc" >&2
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || die "must run as root (chroot, mount, mknod)"
[ -s "$GUEST_LIB" ] && [ -s "$GUEST_INIT" ] && [ -s "$DEBIAN_SOURCES" ] \
    || die "missing $GUEST_LIB, $GUEST_INIT or $DEBIAN_SOURCES"
# shellcheck source=guest-lib.sh
. "$GUEST_LIB"
# shellcheck source=../lib/debian-sources.sh
. "$DEBIAN_SOURCES"
for t in "${HOST_TOOLS[@]}"; do
    command -v "$t" > /dev/null || die "$t not found (run scripts/guest/prepare-guest.sh first: it installs them)"
done
QEMU_BIN="$(command -v qemu-system-x86_64 || true)"
[ -n "$QEMU_BIN" ] || die "qemu-system-x86_64 not found (run scripts/guest/prepare-guest.sh first)"

mkdir -p "$CACHE"
exec 9> "$CACHE/.lock"
flock 9 || die "cannot lock $CACHE/.lock"

# ---------------------------------------------------------------- fast path
PATCH_SERIES=()
for f in "$LINE_CONFIG_PATCHES"/[0-9][0-9][0-9][0-9]-*.patch; do
    [ -s "$f" ] || continue
    case "$(basename "$f")" in 0000-cover-letter.patch) ;; *) PATCH_SERIES+=("$(basename "$f")") ;; esac
done
[ "${#PATCH_SERIES[@]}" -gt 0 ] || die "no patches in $LINE_CONFIG_PATCHES"
# content only (relative names), so a clone in another directory shares the cache
PATCHES_HASH="$(cd "$LINE_CONFIG_PATCHES" && sha256sum "${PATCH_SERIES[@]}" | sha256sum | cut -d' ' -f1)"
STAMP_WANT="script=$(cat "$SELF" "$GUEST_LIB" "$GUEST_INIT" | sha256sum | cut -d' ' -f1) patches=$PATCHES_HASH"

write_env() {   # (re)write newer.env only when its content changes
    local tmp v
    tmp="$(mktemp "$CACHE/.newer.env.XXXXXX")"
    {
        echo "# generated by scripts/guest/prepare-newer-guest.sh; KEY=VALUE, no quoting"
        echo "VGPIO_GUEST_KERNEL=$CACHE/vmlinuz"
        echo "VGPIO_GUEST_INITRD_BASE=$CACHE/base.cpio.gz"
        echo "VGPIO_QEMU=$QEMU_BIN"
        cat "$CACHE/.env.build"
    } > "$tmp"
    while IFS= read -r v; do
        case "$v" in \#*) continue ;; esac
        [[ "$v" =~ ^[A-Z_]+=[A-Za-z0-9_./,:+~@%=-]*$ ]] || { rm -f "$tmp"; die "unsafe value in newer.env: $v"; }
    done < "$tmp"
    chmod 644 "$tmp"
    if [ -f "$ENV_FILE" ] && cmp -s "$tmp" "$ENV_FILE"; then rm -f "$tmp"; else mv -f "$tmp" "$ENV_FILE"; fi
}

if [ "${VGPIO_GUEST_FORCE:-0}" != 1 ] && [ -f "$STAMP" ] && [ "$(head -n1 "$STAMP")" = "$STAMP_WANT" ] \
   && [ -s "$CACHE/vmlinuz" ] && [ -s "$CACHE/base.cpio.gz" ] && [ -s "$CACHE/.env.build" ]; then
    write_env
    log "up to date (kernel $(sed -n 's/^kver=//p' "$STAMP"))"
    echo "$ENV_FILE"
    exit 0
fi
rm -f "$STAMP"

# ---------------------------------------------------------------- 1. private APT configuration
# the archive of the machine's own Debian sources (not in the stamp: the cached debs stay valid with another mirror)
ARCHIVE="$(debian_archive_uri)"
mkdir -p "$APTDIR"/{lists/partial,archives/partial,sources.list.d,preferences.d,apt.conf.d} "$DEBS" "$TCDEBS"
cat > "$APTDIR/sources.list.d/vgpio-newer.sources" <<EOF
Types: deb
URIs: $ARCHIVE
Suites: $BUILD_SUITE $KERNEL_SUITE $USER_SUITE $GPIOD_SUITE
Components: main
Architectures: amd64
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
cat > "$APT_CONFIG" <<EOF
Dir::State "$APTDIR";
Dir::State::Lists "$APTDIR/lists";
Dir::State::status "$APTDIR/status";
Dir::Cache "$APTDIR";
Dir::Cache::archives "$APTDIR/archives";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Dir::Etc::SourceList "/dev/null";
Dir::Etc::SourceParts "$APTDIR/sources.list.d";
Dir::Etc::Preferences "/dev/null";
Dir::Etc::PreferencesParts "$APTDIR/preferences.d";
Dir::Etc::Parts "$APTDIR/apt.conf.d";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
Acquire::Languages "none";
APT::Sandbox::User "root";
DPkg::Lock::Timeout "600";
EOF
[ -f "$APTDIR/status" ] || : > "$APTDIR/status"   # nothing installed: a download resolves the whole closure
[ -s /usr/share/keyrings/debian-archive-keyring.gpg ] || die "debian-archive-keyring is not installed"

APT_UPDATED=0
apt_update_once() {
    [ "$APT_UPDATED" -eq 1 ] && return 0
    log "apt-get update (private configuration $APT_CONFIG, $ARCHIVE)"
    apt-get -q update >&2 || die "apt-get update failed"
    APT_UPDATED=1
}

# ---------------------------------------------------------------- 2. packages
MANIFEST="$DEBS/manifest"       # lines: role package version file
TCMANIFEST="$TCDEBS/manifest"   # lines: file

manifest_ok() {   # manifest_ok FILE DIR MIN: every listed file is there, at least MIN of them
    [ -f "$1" ] || return 1
    local n=0 f
    while read -r f; do
        f="${f##* }"
        [ -s "$2/$f" ] || return 1
        n=$((n + 1))
    done < "$1"
    [ "$n" -ge "$3" ]
}

re() { printf '%s' "$1" | sed 's/[].[*^$+?(){}|\\]/\\&/g'; }   # an ERE matching $1 literally
# "Depends:" of PKG=VER as one package name per line
depends_of() { apt-cache show "$1=$2" | sed -n 's/^Depends: //p' | head -n1 | tr ',' '\n' | sed 's/^ *//; s/ .*//'; }
# the candidate version of PKG in SUITE (or empty)
version_in() {
    apt-cache madison "$2" 2>/dev/null | awk -F'|' -v s=" $1/" '
        index($3, s) { v=$2; gsub(/ /,"",v); print v; exit }'
}

resolve_packages() {
    local abi meta dep kver ver p v
    if [ -n "$(version_in "$KERNEL_SUITE" "linux-image-$PREFERRED_ABI-amd64")" ]; then
        abi="$PREFERRED_ABI"
    else
        meta="$(version_in "$KERNEL_SUITE" linux-image-amd64)"
        [ -n "$meta" ] || die "package not found: linux-image-amd64 ($KERNEL_SUITE)"
        dep="$(depends_of linux-image-amd64 "$meta" | grep -m1 '^linux-image-[0-9].*-amd64$' || true)"
        [ -n "$dep" ] || die "cannot read the kernel dependency of linux-image-amd64=$meta"
        abi="${dep#linux-image-}"; abi="${abi%-amd64}"
        log "linux-image-$PREFERRED_ABI-amd64 is not served; using $abi (linux-image-amd64 $meta depends on it)"
    fi
    kver="$abi-amd64"
    ver="$(version_in "$KERNEL_SUITE" "linux-image-$kver")"
    [ -n "$ver" ] || die "package not found: linux-image-$kver"
    # from 7.x the image is a meta package over linux-binary (vmlinuz), linux-modules and linux-base
    PKGS=()
    for p in $(depends_of "linux-image-$kver" "$ver"); do
        case "$p" in "linux-binary-$kver"|"linux-modules-$kver"|"linux-base-$kver") PKGS+=("kernel $p $ver") ;; esac
    done
    [ "${#PKGS[@]}" -gt 0 ] || PKGS=("kernel linux-image-$kver $ver")
    for p in "linux-headers-$kver" "linux-headers-$abi-common" "linux-kbuild-$abi" \
             "linux-source-$(echo "$abi" | cut -d. -f1,2)"; do
        [ "$(version_in "$KERNEL_SUITE" "$p")" = "$ver" ] || die "package not found: $p=$ver ($KERNEL_SUITE)"
        PKGS+=("build $p $ver")
    done
    for p in busybox-static libc6; do
        v="$(version_in "$USER_SUITE" "$p")"
        [ -n "$v" ] || die "package not found: $p ($USER_SUITE)"
        PKGS+=("guest $p $v")
    done
    for p in gpiod libgpiod3; do
        v="$(version_in "$GPIOD_SUITE" "$p")"
        case "$v" in 2.*) ;; *) die "$p in $GPIOD_SUITE is '$v', but libgpiod 2.x is required" ;; esac
        PKGS+=("guest $p $v")
    done
}

deb_file() {   # deb_file DIR PKG VER -> the downloaded file's name, or nothing
    (cd "$1" && ls -1 "${2}_${3//:/%3a}_"*.deb 2>/dev/null | head -n1) || true
}

download_packages() {
    local line role pkg ver f specs=()
    for line in "${PKGS[@]}"; do
        read -r role pkg ver <<< "$line"
        [ -n "$(deb_file "$DEBS" "$pkg" "$ver")" ] || specs+=("$pkg=$ver")
    done
    if [ "${#specs[@]}" -gt 0 ]; then
        log "apt-get download ${specs[*]}"
        (cd "$DEBS" && apt-get -q download "${specs[@]}" >&2) || die "apt-get download failed for: ${specs[*]}"
    fi
    : > "$MANIFEST.tmp"
    for line in "${PKGS[@]}"; do
        read -r role pkg ver <<< "$line"
        f="$(deb_file "$DEBS" "$pkg" "$ver")"
        [ -n "$f" ] || die "downloaded file for $pkg=$ver not found in $DEBS"
        echo "$role $pkg $ver $f" >> "$MANIFEST.tmp"
    done
    mv -f "$MANIFEST.tmp" "$MANIFEST"
}

download_toolchain() {
    log "downloading the $BUILD_SUITE build root: ${TC_PKGS[*]} and their dependencies"
    rm -f "$TCDEBS"/*.deb
    apt-get -q -y --download-only --no-install-recommends -t "$BUILD_SUITE" \
        -o Dir::Cache::archives="$TCDEBS" install "${TC_PKGS[@]}" >&2 \
        || die "apt-get --download-only install of the build root failed"
    (cd "$TCDEBS" && ls -1 ./*.deb | sed 's#^\./##') > "$TCMANIFEST.tmp"
    mv -f "$TCMANIFEST.tmp" "$TCMANIFEST"
}

FORCE="${VGPIO_GUEST_FORCE:-0}"
if [ "$FORCE" != 1 ] && manifest_ok "$MANIFEST" "$DEBS" 9; then
    log "using cached packages ($MANIFEST)"
else
    apt_update_once
    resolve_packages
    download_packages
fi
if [ "$FORCE" != 1 ] && manifest_ok "$TCMANIFEST" "$TCDEBS" 20; then
    log "using the cached build root packages ($TCMANIFEST)"
else
    apt_update_once
    download_toolchain
fi

deb_of() { awk -v p="$1" '$2 == p { print ENVIRON["DEBS"] "/" $4; found=1 } END { exit !found }' "$MANIFEST" \
           || die "package $1 missing from $MANIFEST"; }
ver_of() { awk -v p="$1" '$2 == p { print $3 }' "$MANIFEST"; }
export DEBS
ABI="$(awk '$2 ~ /^linux-kbuild-/ { sub(/^linux-kbuild-/, "", $2); print $2 }' "$MANIFEST")"
KVER="$ABI-amd64"
SERIES="$(echo "$ABI" | cut -d. -f1,2)"
KPKG_VER="$(ver_of "linux-kbuild-$ABI")"
log "kernel $KVER ($KPKG_VER), gpiod $(ver_of gpiod), libc6 $(ver_of libc6)"

# ---------------------------------------------------------------- 3. modules built in a trixie chroot
# gpio-aggregator.ko for the guest; gpio-virtio.ko with the line-configuration series, as a check only
# a run killed during the module build may have left /proc mounted in the build root
! mountpoint -q "$BUILD/root/proc" || umount "$BUILD/root/proc" || die "cannot unmount $BUILD/root/proc"
rm -rf --one-file-system "$BUILD"
mkdir -p "$BUILD"
R="$BUILD/root"
log "assembling the build root ($(wc -l < "$TCMANIFEST") debs)"
mkdir -p "$R"
while read -r f; do
    dpkg-deb -x "$TCDEBS/$f" "$R" || die "cannot extract $f"
done < "$TCMANIFEST"
for p in "linux-headers-$KVER" "linux-headers-$ABI-common" "linux-kbuild-$ABI"; do
    dpkg-deb -x "$(deb_of "$p")" "$R" || die "cannot extract $p"
done
# what the maintainer scripts would have set up (the debs are unpacked, not installed)
ln -sfn dash "$R/usr/bin/sh"
ln -sfn gawk "$R/usr/bin/awk"
ln -sfn gcc-14 "$R/usr/bin/gcc"
mkdir -p "$R/dev" "$R/proc" "$R/tmp"
chmod 1777 "$R/tmp"
mknod -m 666 "$R/dev/null" c 1 3 || die "mknod $R/dev/null failed"
[ -f "$R/usr/src/linux-headers-$KVER/Makefile" ] || die "headers Makefile not found in the build root"

SRC_FILES=(drivers/gpio/gpio-aggregator.c drivers/gpio/gpio-virtio.c include/uapi/linux/virtio_gpio.h)
log "extracting ${SRC_FILES[*]} from linux-source-$SERIES (takes a while)"
dpkg-deb --fsys-tarfile "$(deb_of "linux-source-$SERIES")" \
    | tar -xO "./usr/src/linux-source-$SERIES.tar.xz" | xz -T2 -dc \
    | tar -x -C "$BUILD" "${SRC_FILES[@]/#/linux-source-$SERIES/}" \
    || die "cannot extract ${SRC_FILES[*]} from linux-source-$SERIES"
SRC="$BUILD/linux-source-$SERIES"

# chroot_build DIR NAME LOG [MAKEARGS...]: make the Kbuild in /build/DIR (output in $BUILD/LOG), which must
# produce NAME.ko; on failure, show the log's tail and return 1
chroot_build() {
    local dir="$1" name="$2" blog="$BUILD/$3"
    shift 3
    log "building $name.ko (${*:+$*, }gcc-14, chroot)"
    if chroot "$R" /usr/bin/env -i PATH=/usr/bin:/usr/sbin:/bin:/sbin HOME=/root LC_ALL=C \
            make -C "/usr/src/linux-headers-$KVER" M="/build/$dir" -j"$(nproc)" "$@" modules > "$blog" 2>&1 \
       && [ -s "$R/build/$dir/$name.ko" ]; then
        return 0
    fi
    tail -n 30 "$blog" >&2
    return 1
}

AGGDIR="$R/build/gpio-aggregator"
mkdir -p "$AGGDIR"
cp "$SRC/drivers/gpio/gpio-aggregator.c" "$AGGDIR/"
echo 'obj-m += gpio-aggregator.o' > "$AGGDIR/Kbuild"

# The series patches the driver and the uapi header, so both are copied in their kernel tree layout and patched
# there; NOSTDINC_FLAGS puts the patched header before the headers package's (as in prepare-guest.sh).
PATCHED="$R/build/gpio-virtio-patched"
mkdir -p "$PATCHED/drivers/gpio" "$PATCHED/include/uapi/linux"
cp "$SRC/drivers/gpio/gpio-virtio.c" "$PATCHED/drivers/gpio/"
cp "$SRC/include/uapi/linux/virtio_gpio.h" "$PATCHED/include/uapi/linux/"
for f in "${PATCH_SERIES[@]}"; do
    log "applying $f"
    (cd "$PATCHED" && patch -p1 -s -F0 --no-backup-if-mismatch < "$LINE_CONFIG_PATCHES/$f") >&2 \
        || die "the gpio-virtio series no longer applies to linux-source-$SERIES: $LINE_CONFIG_PATCHES/$f" \
               "does not apply without fuzz (update the series: linux/gpio-virtio-line-config/README)"
done
grep -qs VIRTIO_GPIO_F_LINE_CONFIG "$PATCHED/include/uapi/linux/virtio_gpio.h" \
    || die "the series did not define VIRTIO_GPIO_F_LINE_CONFIG in include/uapi/linux/virtio_gpio.h"
# the chroot's view of the patched tree
printf 'obj-m += gpio-virtio.o\nNOSTDINC_FLAGS += -I/build/gpio-virtio-patched/include\n' \
    > "$PATCHED/drivers/gpio/Kbuild"

mount -t proc proc "$R/proc" || die "cannot mount /proc in the build root"
chroot_build gpio-aggregator gpio-aggregator gpio-aggregator-build.log \
    || die "module build failed (gpio-aggregator.ko); full log: $BUILD/gpio-aggregator-build.log"
PATCHED_LOG="$BUILD/gpio-virtio-patched-build.log"
chroot_build gpio-virtio-patched/drivers/gpio gpio-virtio gpio-virtio-patched-build.log W=1 \
    || die "the gpio-virtio series applies to linux-source-$SERIES but the patched gpio-virtio.ko does not build" \
           "against $KVER (update the series: linux/gpio-virtio-line-config/README); full log: $PATCHED_LOG"
umount "$R/proc"
if grep -q 'warning:' "$PATCHED_LOG"; then
    grep 'warning:' "$PATCHED_LOG" | head -n 10 >&2
    log "WARNING: the patched gpio-virtio.c builds with warnings against $KVER (W=1); full log: $PATCHED_LOG"
fi

# ---------------------------------------------------------------- 4. kernel and modules
KMODS="$BUILD/kmods"
STAGE_MODS="$BUILD/stage-modules"
mkdir -p "$KMODS" "$STAGE_MODS"
for p in $(awk '$1 == "kernel" { print $2 }' "$MANIFEST"); do
    dpkg-deb -c "$(deb_of "$p")" | awk '{ print $NF }' > "$BUILD/$p.list"
done
kfile() {   # kfile REGEX -> "package path" of the first kernel deb entry matching
    local p l
    for p in $(awk '$1 == "kernel" { print $2 }' "$MANIFEST"); do
        l="$(grep -m1 -E "$1" "$BUILD/$p.list" || true)"
        [ -n "$l" ] && { echo "$p $l"; return 0; }
    done
    die "no kernel package holds $1"
}
# kfile runs in a command substitution: its die ends only that subshell
kfile_ok() { [ -n "$p" ] && [ -n "$f" ] || exit 1; }
read -r p f <<< "$(kfile "/(boot/vmlinuz-$(re "$KVER")|modules/$(re "$KVER")/vmlinuz)\$")"
kfile_ok
dpkg-deb --fsys-tarfile "$(deb_of "$p")" | tar -xO "$f" > "$BUILD/vmlinuz" || die "cannot extract $f from $p"
read -r p f <<< "$(kfile "/modules/$(re "$KVER")/modules\\.builtin\$")"
kfile_ok
KDEB="$(deb_of "$p")"
extract_from_kdeb "$f"
BUILTIN="$KMODS/${f#./}"
read -r p f <<< "$(kfile "/gpio-sim\\.ko")"
kfile_ok
KDEB="$(deb_of "$p")"
log "collecting modules from $p"
index_kdeb_modules
extract_modules "${VIRTIO_MODULES[@]}" "${SIM_MODULES[@]}" "${NINEP_MODULES[@]}"
declare -A BUILT=([gpio_aggregator]="$AGGDIR/gpio-aggregator.ko")
strip --strip-debug -o "$STAGE_MODS/gpio_aggregator.ko" "$AGGDIR/gpio-aggregator.ko" \
    || die "strip of gpio-aggregator.ko failed"
for m in "${VIRTIO_MODULES[@]}"; do visit "$m"; done
CORE_ORDER=("${ORDER[@]}")
ORDER=()
for m in "${SIM_MODULES[@]}"; do visit "$m"; done
SIM_ORDER=("${ORDER[@]}")
ORDER=()
for m in "${NINEP_MODULES[@]}"; do visit "$m"; done
NINEP_ORDER=("${ORDER[@]}")
[ "${#BUILTINS[@]}" -eq 0 ] || log "built into the kernel (not loaded): ${BUILTINS[*]}"
log "module load order: ${CORE_ORDER[*]:-(none)}; then ${SIM_ORDER[*]}; with a 9p share: ${NINEP_ORDER[*]}"
want_magic="$(modinfo_field "$STAGE_MODS/configfs.ko" vermagic)"
case "$want_magic" in "$KVER "*) ;; *) die "configfs.ko vermagic '$want_magic' is not for $KVER" ;; esac
have_magic="$(modinfo_field "$STAGE_MODS/gpio_aggregator.ko" vermagic)"
[ "$want_magic" = "$have_magic" ] \
    || die "gpio_aggregator.ko vermagic '$have_magic' does not match the kernel's '$want_magic'"
have_magic="$(modinfo_field "$PATCHED/drivers/gpio/gpio-virtio.ko" vermagic)"
[ "$want_magic" = "$have_magic" ] \
    || die "the patched gpio-virtio.ko vermagic '$have_magic' does not match the kernel's '$want_magic'"
log "the gpio-virtio line-configuration series applies to and builds against $KVER"

# ---------------------------------------------------------------- 5. initramfs
ROOT="$BUILD/rootfs"
EXT="$BUILD/ext"
mkdir -p "$ROOT" "$EXT"
log "assembling initramfs"
for p in busybox-static libc6 gpiod libgpiod3; do
    dpkg-deb -x "$(deb_of "$p")" "$EXT/$p" || die "cannot extract $p"
done
assemble_userland "$ROOT" "$EXT"
cp "$STAGE_MODS"/*.ko "$ROOT/lib/modules/"
printf '%s\n' "${CORE_ORDER[@]}" | sed '/^$/d' > "$ROOT/lib/modules/load-order"
printf '%s\n' "${SIM_ORDER[@]}" > "$ROOT/lib/modules/load-order-sim"
printf '%s\n' "${NINEP_ORDER[@]}" > "$ROOT/lib/modules/load-order-9p"
install -m 0755 "$GUEST_INIT" "$ROOT/init"
write_initramfs "$ROOT" "$CACHE/base.cpio.gz"
mv -f "$BUILD/vmlinuz" "$CACHE/vmlinuz"

# ---------------------------------------------------------------- 6. outputs
{
    echo "VGPIO_GUEST_KVER=$KVER"
    echo "VGPIO_GUEST_KPKG_VERSION=$KPKG_VER"
    echo "VGPIO_GUEST_LIBGPIOD_VERSION=$(ver_of gpiod)"
    echo "VGPIO_GUEST_MODULES=$(IFS=,; echo "${CORE_ORDER[*]}")"
    echo "VGPIO_GUEST_SIM_MODULES=$(IFS=,; echo "${SIM_ORDER[*]}")"
    echo "VGPIO_GUEST_NINEP_MODULES=$(IFS=,; echo "${NINEP_ORDER[*]}")"
    echo "VGPIO_GUEST_CACHE=$CACHE"
} > "$CACHE/.env.build"
write_env

# keep the debs (offline rebuilds); drop the build tree and the APT lists
R=""
rm -rf --one-file-system "$BUILD" "$APTDIR/lists" "$APTDIR/archives"
printf '%s\nkver=%s\n' "$STAMP_WANT" "$KVER" > "$STAMP"
log "done: kernel $KVER, initramfs $(du -h "$CACHE/base.cpio.gz" | cut -f1)"
echo "$ENV_FILE"
