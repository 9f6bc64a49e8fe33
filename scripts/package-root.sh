#!/usr/bin/env bash
# A clean Debian 12 (bookworm) root for the package test: debootstrap --variant=minbase with systemd (for
# systemd-analyze and systemd-socket-activate), adduser and udev, from the Debian archive of the machine's own APT
# sources (scripts/lib/debian-sources.sh: its mirror or caching proxy; VGPIO_DEBIAN_MIRROR overrides it). The
# pristine root is built once and kept as a tarball; each test run unpacks a fresh copy, so that what one run
# installs does not leak into the next. The root has a policy-rc.d that forbids starting services (a chroot shares
# the host's network and processes), no package lists (apt-get update in it fetches them) and, as a Debian 12
# install does, an /etc/apt/sources.list.d/debian.sources of bookworm, bookworm-updates and bookworm-security from
# the archives it was built from.
#
# Usage (as root; progress and errors on stderr):
#   package-root.sh [new [DIR]]    build the pristine root if needed, unpack a fresh copy into DIR (empty or new;
#                                  default: a new directory under the cache's runs/) and print its path
#   package-root.sh pristine       build the pristine root if needed and print the tarball's path
#   package-root.sh run ROOT CMD [ARG...]
#                                  run CMD in the copy ROOT (chroot, environment cleared to PATH, HOME, LC_ALL,
#                                  TERM and DEBIAN_FRONTEND; pass more with env VAR=VALUE CMD) with /proc, /sys and
#                                  /dev (with /dev/pts) mounted, and exit with its status. The mounts are made in a
#                                  mount namespace of the run's own, unmounted when CMD ends and in any case gone
#                                  with the namespace: however the run ends, nothing stays mounted, and the host
#                                  never sees them (so rm of a copy cannot reach the host's /dev). What the
#                                  command leaves running in the root (a daemon it started) is stopped when it
#                                  ends: start a daemon and its client in one run (sh -c 'daemon & client').
#   package-root.sh rm ROOT        delete a copy made by new (it has a /.vgpio-package-root; nothing else goes)
# Copies under runs/ older than a day are deleted by the next new (left behind by a run that was killed).
#
# Environment:
#   VGPIO_CACHE                   the cache directory (default: $HOME/.cache/vgpio); the root lives in debian12-root/
#   VGPIO_PACKAGE_ROOT_FORCE=1    build the pristine root again
#   VGPIO_DEBIAN_MIRROR           the archive debootstrap downloads from (default: the machine's, see above)
# The stamp covers the suite, variant, architecture, packages and RECIPE, not the mirror: another serves the same.
#
# Example:
#   root=$(scripts/package-root.sh) && cp dist/vgpio_*_amd64.deb "$root/tmp/" &&
#       scripts/package-root.sh run "$root" sh -c 'apt-get install -y /tmp/vgpio_*_amd64.deb'
#   scripts/package-root.sh rm "$root"
set -euo pipefail

SUITE=bookworm
VARIANT=minbase
ARCH=amd64
INCLUDE=systemd,adduser,udev
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

CACHE="${VGPIO_CACHE:-$HOME/.cache/vgpio}/debian12-root"
TARBALL="$CACHE/root.tar"
STAMP="$CACHE/.stamp"
RUNS="$CACHE/runs"
SELF="$(readlink -f "${BASH_SOURCE[0]}")"
DEBIAN_SOURCES="$(dirname "$SELF")/lib/debian-sources.sh"
RECIPE=1   # the steps after debootstrap (policy-rc.d, sources, lists): count up when they change
STAMP_WANT="suite=$SUITE variant=$VARIANT arch=$ARCH include=$INCLUDE recipe=$RECIPE"
MARKER=.vgpio-package-root   # in each copy's /
RUN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

export LC_ALL=C
log() { printf 'package-root: %s\n' "$*" >&2; }
die() { printf 'package-root: ERROR: %s\n' "$*" >&2; exit 1; }
usage() { sed -n 's/^#   package-root.sh/  package-root.sh/p' "$SELF" >&2; exit 2; }

BUILD_TMP=""   # the build directory, removed on exit
cleanup_build() {
    [ -z "$BUILD_TMP" ] || rm -rf --one-file-system "$BUILD_TMP"
}

ensure_tools() {
    local need=()
    command -v debootstrap > /dev/null 2>&1 || need+=(debootstrap)
    [ -s "$KEYRING" ] || need+=(debian-archive-keyring)
    command -v unshare > /dev/null 2>&1 || die "unshare not found (util-linux)"
    [ "${#need[@]}" -eq 0 ] && return 0
    log "apt-get install ${need[*]}"
    local opts=(-q -o DPkg::Lock::Timeout=600)
    DEBIAN_FRONTEND=noninteractive apt-get "${opts[@]}" update >&2 || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get "${opts[@]}" -y --no-install-recommends install "${need[@]}" >&2 \
        || die "apt-get install ${need[*]} failed"
    command -v debootstrap > /dev/null 2>&1 || die "debootstrap is still missing after the install"
}

# the pristine tarball, built under the cache's lock when missing or out of date
ensure_pristine() {
    mkdir -p "$CACHE"
    exec 8> "$CACHE/.lock"
    flock 8 || die "cannot lock $CACHE/.lock"
    if [ "${VGPIO_PACKAGE_ROOT_FORCE:-0}" != 1 ] && [ -s "$TARBALL" ] && [ -f "$STAMP" ] \
       && [ "$(head -n1 "$STAMP")" = "$STAMP_WANT" ]; then
        exec 8>&-
        return 0
    fi
    build_pristine
    exec 8>&-
}

build_pristine() {
    local mirror security start r
    ensure_tools
    # shellcheck source=lib/debian-sources.sh
    . "$DEBIAN_SOURCES"
    mirror="$(debian_archive_uri)"
    security="$(debian_security_uri)"
    start=$SECONDS
    # what a killed build left (no mounts: those lived in its namespace); the lock keeps other builds out
    find "$CACHE" -mindepth 1 -maxdepth 1 -name '.build.*' -exec rm -rf --one-file-system {} +
    BUILD_TMP="$(mktemp -d "$CACHE/.build.XXXXXX")"
    trap cleanup_build EXIT
    r="$BUILD_TMP/root"
    log "debootstrap --variant=$VARIANT --include=$INCLUDE $SUITE from $mirror (log: $CACHE/debootstrap.log)"
    # in a mount namespace of its own: the /proc and /sys debootstrap mounts in the root go with it, even if it fails
    if ! unshare --mount --propagation private -- \
            debootstrap --variant="$VARIANT" --arch="$ARCH" --include="$INCLUDE" --components=main \
            --keyring="$KEYRING" "$SUITE" "$r" "$mirror" > "$CACHE/debootstrap.log" 2>&1; then
        tail -n 20 "$CACHE/debootstrap.log" >&2
        die "debootstrap failed; full log: $CACHE/debootstrap.log"
    fi
    [ -x "$r/usr/bin/systemd-analyze" ] && [ -x "$r/usr/bin/systemd-socket-activate" ] && [ -x "$r/usr/sbin/adduser" ] \
        || die "the root lacks systemd-analyze, systemd-socket-activate or adduser"
    # services must not start in a chroot (invoke-rc.d asks this first)
    printf '#!/bin/sh\n# package-root.sh: no service starts in this chroot\nexit 101\n' > "$r/usr/sbin/policy-rc.d"
    chmod 0755 "$r/usr/sbin/policy-rc.d"
    rm -f "$r/etc/apt/sources.list"
    cat > "$r/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    [ -s "$r$KEYRING" ] || die "the root lacks $KEYRING"
    # no package lists (debootstrap's are partial; apt-get update fetches them) and no debs
    find "$r/var/lib/apt/lists" "$r/var/cache/apt/archives" -maxdepth 1 -type f ! -name lock -delete
    tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$r" -cf "$BUILD_TMP/root.tar" . \
        || die "cannot pack $r"
    mv -f "$BUILD_TMP/root.tar" "$TARBALL"
    printf '%s\nmirror=%s\nsecurity=%s\nbuilt=%s\n' "$STAMP_WANT" "$mirror" "$security" "$(date -u +%FT%TZ)" > "$STAMP"
    cleanup_build
    BUILD_TMP=""
    log "pristine root built in $((SECONDS - start)) s: $TARBALL ($(du -h "$TARBALL" | cut -f1))"
}

new_copy() {
    local dir="${1:-}" d
    ensure_pristine
    if [ -z "$dir" ]; then
        mkdir -p "$RUNS"
        # copies a killed run left behind (no mounts: those lived in the run's namespace)
        while IFS= read -r -d '' d; do
            log "deleting the stale copy $d"
            rm -rf --one-file-system "$d"
        done < <(find "$RUNS" -mindepth 1 -maxdepth 1 -type d -name 'root.*' -mmin +1440 -print0)
        dir="$(mktemp -d "$RUNS/root.XXXXXX")"
    else
        mkdir -p "$dir"
        [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
    fi
    tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$dir" -xpf "$TARBALL" \
        || { rm -rf --one-file-system "$dir"; die "cannot unpack $TARBALL into $dir"; }
    # the host's resolver, for apt-get in the root
    [ ! -e /etc/resolv.conf ] || cp -L /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
    head -n1 "$STAMP" > "$dir/$MARKER"   # rm deletes only what has it
    readlink -f "$dir"
}

check_root() {   # check_root DIR: a copy of the root, not / and not something else
    local r
    r="$(readlink -f "$1" 2>/dev/null || true)"
    [ -n "$r" ] && [ -d "$r" ] || die "no such root: $1"
    [ "$r" != / ] || die "refusing to use / as the root"
    [ -f "$r/etc/debian_version" ] && [ -x "$r/usr/bin/env" ] || die "$r is not a Debian root (made by new?)"
    echo "$r"
}

# run ROOT CMD...: enter a private mount namespace, then mount and chroot there (inside)
run_in() {
    local r
    r="$(check_root "$1")"
    shift
    [ $# -gt 0 ] || die "run: no command"
    command -v unshare > /dev/null 2>&1 || die "unshare not found (util-linux)"
    exec unshare --mount --propagation private -- bash "$SELF" __inside "$r" "$@"
}

# the processes of this run (this mount namespace) still in the root: what the command left running
leftovers() {
    local ns p
    ns="$(readlink /proc/self/ns/mnt)"
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$INSIDE_ROOT" ] || continue
        [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$ns" ] || continue
        echo "${p#/proc/}"
    done
}

INSIDE_ROOT=""
inside_cleanup() {   # stop what the command left running, then unmount (the namespace would drop the mounts anyway)
    local m pids
    [ -n "$INSIDE_ROOT" ] || return 0
    pids="$(leftovers)"
    if [ -n "$pids" ]; then
        log "stopping what the command left running in $INSIDE_ROOT: pid $(echo "$pids" | paste -sd' ')"
        # shellcheck disable=SC2086
        kill -TERM $pids 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            pids="$(leftovers)"
            [ -n "$pids" ] || break
            sleep 0.2
        done
        # shellcheck disable=SC2086
        [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
    fi
    for m in dev sys proc; do
        if mountpoint -q "$INSIDE_ROOT/$m"; then
            umount -R "$INSIDE_ROOT/$m" 2>/dev/null || umount -R -l "$INSIDE_ROOT/$m" \
                || log "cannot unmount $INSIDE_ROOT/$m"
        fi
    done
    INSIDE_ROOT=""
}

CHILD=""
forward() {   # forward SIG: pass a signal on to the command (bash runs traps only between commands or in wait)
    [ -z "$CHILD" ] || kill -"$1" "$CHILD" 2>/dev/null || true
}

inside() {
    local r="$1" rc=0
    shift
    INSIDE_ROOT="$r"
    trap inside_cleanup EXIT
    trap 'exit 143' TERM
    trap 'exit 130' INT
    trap 'exit 129' HUP
    mkdir -p "$r/proc" "$r/sys" "$r/dev"
    mount -t proc proc "$r/proc" || die "cannot mount /proc in $r"
    mount --rbind /sys "$r/sys" || die "cannot mount /sys in $r"
    mount --rbind /dev "$r/dev" || die "cannot mount /dev in $r"
    # in the background, so that a signal here reaches it; stdin stays ours (0<&0). A command started with & ignores
    # SIGINT, so an interrupt is passed on as SIGTERM.
    chroot "$r" /usr/bin/env -i PATH="$RUN_PATH" HOME=/root LC_ALL=C TERM="${TERM:-dumb}" \
        DEBIAN_FRONTEND=noninteractive "$@" 0<&0 &
    CHILD=$!
    trap 'forward TERM' TERM INT
    trap 'forward HUP' HUP
    while :; do
        rc=0
        wait "$CHILD" || rc=$?
        kill -0 "$CHILD" 2>/dev/null || break   # still running: wait was cut short by a signal
    done
    CHILD=""
    inside_cleanup
    exit "$rc"
}

remove_copy() {
    local r
    r="$(check_root "$1")"
    [ -f "$r/$MARKER" ] || die "$r was not made by package-root.sh new (no /$MARKER); not deleting it"
    rm -rf --one-file-system "$r"
}

[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, chroot, mount)"
cmd="${1:-new}"
[ $# -eq 0 ] || shift
case "$cmd" in
    new) [ $# -le 1 ] || usage; new_copy "${1:-}" ;;
    pristine) [ $# -eq 0 ] || usage; ensure_pristine; echo "$TARBALL" ;;
    run) [ $# -ge 2 ] || usage; run_in "$@" ;;
    __inside) inside "$@" ;;
    rm) [ $# -eq 1 ] || usage; remove_copy "$1" ;;
    -h|--help|help) usage ;;
    *) usage ;;
esac
