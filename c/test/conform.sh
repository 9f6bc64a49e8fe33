#!/usr/bin/env bash
# vgpio's conformance suite (vgpio conform) against the example port, over a Unix socket and over a pty.
# Needs the Java build: the vgpio script at the top of the repository builds it on first use.
#   test/conform.sh build/vgpio-port        (VGPIO=/path/to/vgpio to use another)
set -euo pipefail
port="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
vgpio="${VGPIO:-$here/../../vgpio}"
dir="$(mktemp -d /tmp/vgpio-conform.XXXXXX)"
pid=""
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$dir"
}
trap cleanup EXIT

# Starts the port with the given arguments; sets pid, and address to what its "ready" line says.
start() {
    local word
    rm -f "$dir/out"
    mkfifo "$dir/out"
    "$port" "$@" > "$dir/out" &
    pid=$!
    read -r word address < "$dir/out"
    [ "$word" = ready ] || { echo "conform.sh: the port did not get ready" >&2; exit 1; }
}

status=0
start --unix "$dir/gpio.sock"
echo "== vgpio conform --connect $address"
"$vgpio" conform --connect "$address" --ctl "$dir/gpio.sock.ctl" || status=1
kill "$pid"; wait "$pid" || status=1; pid=""

start --pty --ctl "$dir/pty.ctl"
echo "== vgpio conform --connect $address"
"$vgpio" conform --connect "$address" --ctl "$dir/pty.ctl" || status=1
kill "$pid"; wait "$pid" || status=1; pid=""
exit "$status"
