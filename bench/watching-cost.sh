#!/usr/bin/env bash
# What watching costs the guest: `vgpio bench` against `vgpio serve` alone, then against `vgpio serve --http`
# with everything watching at once (the web panel open in headless Chromium, the whole event stream subscribed by
# `vgpio events`, and a trace recording), in turn for ROUNDS rounds; prints each figure's median and the ratio.
#   bench/watching-cost.sh [ROUNDS [DURATION [WARMUP]]]      (defaults 5 4 2; seconds per phase)
#   PIN=1 bench/watching-cost.sh ...   the daemon (its device threads and its monitor) and the benchmark all on
#                                      CPU 0, the panel and `vgpio events` on CPU 1: watching then competes with the
#                                      device for its CPU, and no vCPU sleeps between requests (see below)
# Run it on an idle machine from the repository's root after a build (./vgpio must work).
# On a virtual machine, the unpinned figures with one request in flight are dominated by waking an idle vCPU (an
# inter-processor interrupt); anything else running keeps the vCPUs awake and so makes the watched runs look faster.
# PIN=1 takes that out.
set -euo pipefail
rounds=${1:-5}; duration=${2:-4}; warmup=${3:-2}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vgpio="$root/vgpio"
work=$(mktemp -d)
pids=()
near=(); far=()
if [ "${PIN:-0}" = 1 ]; then near=(taskset -c 0); far=(taskset -c 1); fi
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
command -v chromium >/dev/null || { echo "watching-cost: needs chromium (scripts/install-test-tools.sh)" >&2; exit 1; }

wait_for() { for _ in $(seq 100); do [ -S "$1" ] && return 0; sleep 0.1; done; echo "no socket $1" >&2; exit 1; }

one_round() { # MODE -> prints "p50 p99 batch" of one bench run
    local mode=$1 sock="$work/g.sock" port=18181
    rm -f "$sock" "$sock.ctl"
    if [ "$mode" = plain ]; then
        "${near[@]}" "$vgpio" serve -q -s "$sock" >/dev/null 2>"$work/serve.err" & pids+=($!)
        wait_for "$sock"
    else
        "${near[@]}" "$vgpio" serve -q -s "$sock" --http "$port" --trace "$work/trace.vcd" >/dev/null \
            2>"$work/serve.err" &
        pids+=($!)
        wait_for "$sock"
        for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/api" >/dev/null 2>&1 && break; sleep 0.1; done
        "${far[@]}" chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --user-data-dir="$work/chrome" \
            --remote-debugging-port=0 "http://127.0.0.1:$port/" >/dev/null 2>&1 & pids+=($!)
        "${far[@]}" "$vgpio" events -u "http://127.0.0.1:$port/" >/dev/null 2>"$work/events.err" & pids+=($!)
        sleep 3 # the panel loaded and subscribed
    fi
    "${near[@]}" "$vgpio" bench -c "$sock" --no-floor --json --duration "$duration" --warmup "$warmup" >"$work/bench.json"
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    pids=()
    local j; j=$(cat "$work/bench.json")
    local p50 p99 batch
    p50=$(grep -o '"p50_ns":[0-9]*' <<<"$j" | head -1 | cut -d: -f2)
    p99=$(grep -o '"p99_ns":[0-9]*' <<<"$j" | head -1 | cut -d: -f2)
    batch=$(grep -o '"batch":{"ops_per_s":[0-9]*' <<<"$j" | grep -o '[0-9]*$')
    echo "$p50 $p99 $batch"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

: >"$work/plain"; : >"$work/watched"
for r in $(seq "$rounds"); do
    one_round plain >>"$work/plain"
    one_round watched >>"$work/watched"
    echo "round $r/$rounds: plain $(tail -1 "$work/plain"), watched $(tail -1 "$work/watched")" >&2
done
printf '%-22s %14s %14s %8s\n' "median of $rounds rounds" plain watched ratio
for col in 1 2 3; do
    name=$(sed -n "${col}p" <<<$'1 in flight, p50 (ns)\n1 in flight, p99 (ns)\n128 in flight (req/s)')
    a=$(cut -d' ' -f$col "$work/plain" | median); b=$(cut -d' ' -f$col "$work/watched" | median)
    printf '%-22s %14s %14s %8.2f\n' "$name" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN {print b / a}')"
done
