#!/usr/bin/env bash
# What starting the daemon costs: the time from exec to every vhost-user socket of `vgpio serve -q` accepting a
# connection, then (after SETTLE seconds of idling) its resident memory (VmRSS, and its anonymous and file-backed
# parts) and its thread count (/proc/PID/task), for 1, 16 and 64 devices, ROUNDS rounds each; prints the medians.
#   bench/startup.sh [--command CMD] [--devices "1 16 64"] [--settle S] [--json] [ROUNDS]      (ROUNDS default 5)
#   bench/startup.sh                                    the development launcher ./vgpio (it builds when needed)
#   bench/startup.sh --command /usr/bin/vgpio 5         an installed package (or a staged image's launcher)
#   bench/startup.sh --command "java --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -jar cli/target/vgpio.jar"
# CMD is split at spaces; a word naming an existing file relative to where the script was started (a jar), or an
# option's value that does (-XX:AOTCache=app.aot), is made absolute, since every run starts in its own temporary
# directory. A bare `java` is the JDK 25 that scripts/java-env.sh finds. CMD must exec the JVM (./vgpio and
# /usr/bin/vgpio do) or run it as its only child. The devices: `serve -q` alone for 1 (./vgpio.sock), and
# `serve -q -s d.sock -c N` for N (d.sock0 ..). Each round runs every device count in turn, one daemon at a time,
# stopped with SIGTERM and waited for; one untimed `CMD --version` first builds the development jar if needed and
# warms the page cache. The header names the class-data archive the JVM mapped (an AOT cache, the JDK's CDS
# archive, or None): a cache that does not match the jar or the flags is dropped, without a word under some -Xlog
# settings; the JVM's AOT/CDS warnings, when it prints them, are repeated on stderr.
# The machine's other load shows in the figures: the header gives the load average, and the fastest run stands
# beside each median. RSS per further device is (RSS(N) - RSS(1)) / (N - 1) of the medians.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds=5; devices="1 16 64"; settle=2; json=0; command=""
usage() { sed -n '2,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
        --command) [ $# -ge 2 ] || usage; command=$2; shift 2 ;;
        --command=*) command=${1#*=}; shift ;;
        --devices) [ $# -ge 2 ] || usage; devices=$2; shift 2 ;;
        --devices=*) devices=${1#*=}; shift ;;
        --settle) [ $# -ge 2 ] || usage; settle=$2; shift 2 ;;
        --settle=*) settle=${1#*=}; shift ;;
        --json) json=1; shift ;;
        -h|--help) usage ;;
        -*) echo "startup: unknown option $1" >&2; usage ;;
        *) [[ $1 =~ ^[1-9][0-9]*$ ]] || { echo "startup: ROUNDS must be a positive number, not $1" >&2; exit 2; }
           rounds=$1; shift ;;
    esac
done
for n in $devices; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "startup: --devices takes positive numbers, not '$n'" >&2; exit 2; }
done
[[ $settle =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "startup: --settle takes seconds, not '$settle'" >&2; exit 2; }
command -v python3 >/dev/null || { echo "startup: needs python3 (to time the sockets' first connections)" >&2; exit 1; }
[ -n "$command" ] || command="$root/vgpio"
if [ "${command%% *}" = java ]; then
    # shellcheck source=/dev/null
    source "$root/scripts/java-env.sh"
    command="$JAVA_HOME/bin/java${command#java}"
fi

read -r -a words <<<"$command"
for i in "${!words[@]}"; do
    w=${words[$i]}
    if [[ $w != -* && $w != /* && -e $w ]]; then
        words[i]="$PWD/$w"
    elif [[ $w == -*=* && ${w#*=} != /* && -e ${w#*=} ]]; then   # -XX:AOTCache=app.aot
        words[i]="${w%%=*}=$PWD/${w#*=}"
    fi
done
if ! "${words[@]}" --version >/dev/null 2>"${TMPDIR:-/tmp}/startup-version.$$"; then
    echo "startup: '${words[*]} --version' failed:" >&2
    cat "${TMPDIR:-/tmp}/startup-version.$$" >&2
    rm -f "${TMPDIR:-/tmp}/startup-version.$$"
    exit 1
fi
rm -f "${TMPDIR:-/tmp}/startup-version.$$"

# exec: a SIGTERM to the script reaches the Python below, which stops the daemon it has running
exec python3 - "$rounds" "$settle" "$json" "$devices" "${words[@]}" <<'PY'
import json, os, shutil, signal, socket, statistics, subprocess, sys, tempfile, time

signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwinds through one_run's clean-up

rounds, settle, as_json = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3] == "1"
counts = [int(n) for n in sys.argv[4].split()]
cmd = sys.argv[5:]
START_TIMEOUT, STOP_TIMEOUT = 60.0, 20.0


def fail(msg, err_path=None):
    print(f"startup: {msg}", file=sys.stderr)
    if err_path and os.path.exists(err_path):
        text = open(err_path, errors="replace").read().strip()
        print("its stderr:" if text else "its stderr: (empty)", file=sys.stderr)
        if text:
            print(text, file=sys.stderr)
    sys.exit(1)


def status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return fields


def measured(pid):
    """The JVM's process: pid itself, or the one child a wrapper that did not exec runs (the JVM starts none)."""
    for _ in range(5):
        try:
            kids = open(f"/proc/{pid}/task/{pid}/children").read().split()
        except OSError:
            return pid
        if len(kids) != 1:
            return pid
        pid = int(kids[0])
    return pid


def archive(pid):
    """The class-data archive the JVM mapped: its AOT cache, the JDK's default CDS archive, or none."""
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            path = line.split(None, 5)[5].strip() if len(line.split(None, 5)) > 5 else ""
            if path.endswith((".aot", ".jsa")):
                return path
    return None


def accepting(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def one_run(n):
    work = tempfile.mkdtemp(prefix="vgpio-startup-")
    try:
        if n == 1:
            args, socks = ["serve", "-q"], ["vgpio.sock"]
        else:
            args, socks = ["serve", "-q", "-s", "d.sock", "-c", str(n)], [f"d.sock{i}" for i in range(n)]
        err_path = os.path.join(work, "stderr")
        out_path = os.path.join(work, "stdout")  # the JVM's own warnings go to stdout unless -Xlog says otherwise
        with open(err_path, "w") as err, open(out_path, "w") as out:
            t0 = time.monotonic()
            p = subprocess.Popen(cmd + args, cwd=work, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        try:
            pending = [os.path.join(work, s) for s in socks]
            while pending:
                if p.poll() is not None:
                    fail(f"the daemon ({n} device{'s' if n > 1 else ''}) exited with status {p.returncode} "
                         f"before {os.path.basename(pending[0])} accepted a connection", err_path)
                if time.monotonic() - t0 > START_TIMEOUT:
                    fail(f"{os.path.basename(pending[0])} did not accept a connection within {START_TIMEOUT:.0f} s",
                         err_path)
                if accepting(pending[0]):
                    pending.pop(0)
            elapsed = time.monotonic() - t0
            pid = measured(p.pid)
            time.sleep(settle)
            if p.poll() is not None:
                fail(f"the daemon ({n} devices) exited with status {p.returncode} while idle", err_path)
            st = status(pid)
            kb = lambda key: int(st[key][0]) if key in st else 0
            threads = len(os.listdir(f"/proc/{pid}/task"))
            row = {"start_s": elapsed, "rss_kb": kb("VmRSS"), "rss_anon_kb": kb("RssAnon"),
                   "rss_file_kb": kb("RssFile"), "threads": threads, "archive": archive(pid)}
            for path in (out_path, err_path):
                for line in open(path, errors="replace"):
                    if ("[aot" in line or "[cds" in line) and ("warning" in line or "error" in line) \
                            and line not in warned:
                        warned.add(line)
                        print(f"startup: the JVM says: {line.rstrip()}", file=sys.stderr)
        finally:
            if p.poll() is None:
                # the JVM itself, should a wrapper shell not have exec'd it (the shell then exits with it)
                target = measured(p.pid)
                os.kill(target, signal.SIGTERM)
                try:
                    p.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    for q in {target, p.pid}:
                        try:
                            os.kill(q, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                    p.wait()
                    fail(f"the daemon did not stop within {STOP_TIMEOUT:.0f} s of SIGTERM (killed)", err_path)
        if p.returncode != 0:
            fail(f"the daemon exited with status {p.returncode} on SIGTERM (0 expected)", err_path)
        return row
    finally:
        shutil.rmtree(work, ignore_errors=True)


runs = {n: [] for n in counts}
warned = set()
load = os.getloadavg()
for r in range(1, rounds + 1):
    for n in counts:
        runs[n].append(one_run(n))
    print(f"round {r}/{rounds}: " + ", ".join(
        f"{n}: {runs[n][-1]['start_s'] * 1000:.0f} ms {runs[n][-1]['rss_kb'] / 1024:.1f} MB" for n in counts),
        file=sys.stderr)

med = lambda n, key: statistics.median(x[key] for x in runs[n])
archives = sorted({str(x["archive"]) for n in counts for x in runs[n]})
result = {"command": cmd, "rounds": rounds, "settle_s": settle, "cpus": os.cpu_count(),
          "loadavg_at_start": [round(x, 2) for x in load], "class_archive": archives, "devices": {}}
base = counts[0] if 1 not in counts else 1
for n in counts:
    d = {"start_ms_median": round(med(n, "start_s") * 1000, 1),
         "start_ms_min": round(min(x["start_s"] for x in runs[n]) * 1000, 1),
         "rss_mb_median": round(med(n, "rss_kb") / 1024, 1),
         "rss_anon_mb_median": round(med(n, "rss_anon_kb") / 1024, 1),
         "rss_file_mb_median": round(med(n, "rss_file_kb") / 1024, 1),
         "threads_median": med(n, "threads"),
         "runs": runs[n]}
    if n != base:
        d["rss_mb_per_further_device"] = round((med(n, "rss_kb") - med(base, "rss_kb")) / 1024 / (n - base), 3)
    result["devices"][str(n)] = d

if as_json:
    print(json.dumps(result))
    sys.exit(0)
print(f"{' '.join(cmd)}")
print(f"medians of {rounds} rounds, idle figures after {settle:g} s; {os.cpu_count()} CPUs, "
      f"load average {load[0]:.2f} at the start; class archive mapped: {', '.join(archives)}")
print("| devices | start (exec to sockets accepting) | fastest | VmRSS | anon + file | per further device | threads |")
print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for n in counts:
    d = result["devices"][str(n)]
    per = f"{d['rss_mb_per_further_device'] * 1024:.0f} KB" if "rss_mb_per_further_device" in d else ""
    print(f"| {n} | {d['start_ms_median']:.0f} ms | {d['start_ms_min']:.0f} ms | {d['rss_mb_median']:.1f} MB | "
          f"{d['rss_anon_mb_median']:.1f} + {d['rss_file_mb_median']:.1f} MB | {per} | {d['threads_median']:g} |")
PY
