#!/usr/bin/env bash
# What the channel costs a request (docs/channel.md): `vgpio bench` with the same device reached four ways, in
# turn for ROUNDS rounds, and each figure's median and its ratio to vhost-user's:
#   vhost-user    the device's vhost-user socket, as QEMU reaches it
#   unix          the same device over the channel on a Unix socket (serve --socket ... --listen unix:...)
#   tcp           a device over the channel on loopback TCP
#   two hops      vhost-user to a daemon whose lines are another daemon's, over the channel on a Unix socket
#                 (--chip remote:unix:...): what a guest's request pays for lines that live elsewhere
#   bench/channel-hop.sh [ROUNDS [DURATION [WARMUP]]]        (defaults 5 4 2; seconds per phase)
# Run it on an idle machine from the repository's root after a build (./vgpio must work).
set -euo pipefail
rounds=${1:-5}; duration=${2:-4}; warmup=${3:-2}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vgpio="$root/vgpio"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
wait_for() { for _ in $(seq 150); do [ -S "$1" ] && return 0; sleep 0.1; done; echo "no socket $1" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cd "$work"
"$vgpio" serve -q --socket a.sock --listen unix:a.chan --chip sim:8 2>a.log & pids+=($!)
"$vgpio" serve -q --listen "tcp:127.0.0.1:$port" --chip sim:8 2>b.log & pids+=($!)
"$vgpio" serve -q --listen unix:c.chan --chip sim:8 2>c.log & pids+=($!)
wait_for a.sock; wait_for a.chan; wait_for c.chan
sleep 1
"$vgpio" serve -q --socket d.sock --chip remote:unix:c.chan 2>d.log & pids+=($!)
wait_for d.sock

declare -A target=([vhost-user]="-c a.sock" [unix]="--connect unix:a.chan" [tcp]="--connect tcp:127.0.0.1:$port"
                   [two-hops]="-c d.sock")
order=(vhost-user unix tcp two-hops)
for r in $(seq "$rounds"); do
    for t in "${order[@]}"; do
        # shellcheck disable=SC2086
        "$vgpio" bench ${target[$t]} --no-floor --json --duration "$duration" --warmup "$warmup" > "$t.$r.json"
    done
    echo "round $r/$rounds done" >&2
done

python3 - "$rounds" "${order[@]}" <<'PY'
import json, statistics, sys
rounds = int(sys.argv[1]); order = sys.argv[2:]
def med(t, *path):
    vals = []
    for r in range(1, rounds + 1):
        v = json.load(open(f"{t}.{r}.json"))
        for p in path:
            v = v[p]
        vals.append(v)
    return statistics.median(vals)
rows = [("1 in flight, p50", ("sync", "p50_ns"), "us"), ("1 in flight, p99", ("sync", "p99_ns"), "us"),
        ("128 in flight", ("batch", "ops_per_s"), "M/s")]
print(f"medians of {rounds} rounds")
print("| measure | " + " | ".join(order) + " |")
print("| --- |" + " --- |" * len(order))
for name, path, unit in rows:
    base = med(order[0], *path)
    cells = []
    for t in order:
        v = med(t, *path)
        shown = f"{v / 1000:.1f} µs" if unit == "us" else f"{v / 1e6:.2f} M/s"
        cells.append(shown if t == order[0] else f"{shown} ({v / base:.2f}×)")
    print(f"| {name} | " + " | ".join(cells) + " |")
PY
