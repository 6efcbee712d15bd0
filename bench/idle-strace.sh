#!/usr/bin/env bash
# No periodic timers: with 1,000 idle workers in 50 groups, count the system
# calls every pmtree process makes over a window (strace -c).  Expect none.
#   bench/idle-strace.sh [SECONDS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${PMTREE_BIN:-$top/build/pmtree}
secs=${1:-20}
root=
dir=$(mktemp -d /tmp/pmtree-idle.XXXXXX)
trap '[ -z "$root" ] || kill -TERM $root 2>/dev/null; wait $root 2>/dev/null; rm -rf "$dir"' EXIT
command -v strace >/dev/null || { echo "idle-strace: strace is not installed" >&2; exit 1; }

. "$top/bench/tree1000.sh"
tree1000_up idle
pids=$(tree1000_pids | tr '\n' ' ')
args=()
for p in $pids; do args+=(-p "$p"); done
echo "tracing $(( ${#args[@]} / 2 )) pmtree processes (1,000 idle workers) for ${secs}s"
timeout -s INT "$secs" strace -c -f "${args[@]}" -o "$dir/strace.txt" || true
calls=$(awk '/^-+/ {n++} n == 2 && /total/ {print $4} n < 2 {next}' "$dir/strace.txt")
cat "$dir/strace.txt"
echo "system calls by pmtree's $(( ${#args[@]} / 2 )) processes in ${secs}s: ${calls:-0}"
