#!/usr/bin/env bash
# Installs the host tools the test bench's tests use, from Debian, when they are missing (run-tests calls it):
#   chromium, chromium-driver  the web panel's browser test (Selenium drives headless Chromium; no browser download)
#   gtkwave                    vcd2fst, a real VCD reader that the trace tests check their files with
#   systemd                    systemd-socket-activate, which starts vgpio serve as a socket unit does
# Prints nothing on stdout; exits non-zero with a message if a tool cannot be installed.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive LC_ALL=C
log() { printf 'install-test-tools: %s\n' "$*" >&2; }

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v vcd2fst >/dev/null 2>&1 || need+=(gtkwave)
command -v systemd-socket-activate >/dev/null 2>&1 || need+=(systemd)
if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    log "missing ${need[*]}: run as root, or apt-get install ${need[*]}"
    exit 1
fi
opts=(-q -o DPkg::Lock::Timeout=600)
log "apt-get install ${need[*]}"
apt-get "${opts[@]}" update >&2 || { log "apt-get update failed"; exit 1; }
apt-get "${opts[@]}" -y --no-install-recommends install "${need[@]}" >&2 \
    || { log "apt-get install ${need[*]} failed"; exit 1; }
for tool in chromium chromedriver vcd2fst systemd-socket-activate; do
    command -v "$tool" >/dev/null 2>&1 || { log "$tool is still missing after the install"; exit 1; }
done
