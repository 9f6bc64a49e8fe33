#!/usr/bin/env bash
# Usage: make-scenario.sh SCENARIO_FILE OUT_DIR
# Writes OUT_DIR/initrd.cpio.gz = base.cpio.gz + a cpio.gz holding SCENARIO_FILE as /scenario.sh
# (the kernel unpacks concatenated archives in order). The guest's /init runs it with
# `sh /scenario.sh` and prints `VGPIO-SCENARIO-EXIT <status>`. Prints the initrd path on stdout.
# guest.env is read from $VGPIO_GUEST_ENV or ${VGPIO_GUEST_CACHE:-$HOME/.cache/vgpio/guest}/guest.env.
set -euo pipefail
export LC_ALL=C

die() { printf 'make-scenario: ERROR: %s\n' "$*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: $0 SCENARIO_FILE OUT_DIR"
scenario="$1"; out="$2"
[ -f "$scenario" ] || die "scenario file not found: $scenario"

env_file="${VGPIO_GUEST_ENV:-${VGPIO_GUEST_CACHE:-$HOME/.cache/vgpio/guest}/guest.env}"
[ -f "$env_file" ] || die "$env_file not found; run scripts/guest/prepare-guest.sh first"
base="$(sed -n 's/^VGPIO_GUEST_INITRD_BASE=//p' "$env_file" | tail -n1)"
[ -s "$base" ] || die "base initramfs not found: '$base' (from $env_file)"

mkdir -p "$out"
stage="$(mktemp -d "${TMPDIR:-/tmp}/vgpio-scenario.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
install -m 0755 "$scenario" "$stage/scenario.sh"
tmp="$out/.initrd.cpio.gz.$$"
{
    cat "$base"
    (cd "$stage" && echo scenario.sh | cpio -o -H newc -R 0:0 --quiet) | gzip -n
} > "$tmp" || { rm -f "$tmp"; die "building the scenario archive failed"; }
mv -f "$tmp" "$out/initrd.cpio.gz"
echo "$out/initrd.cpio.gz"
