#!/usr/bin/env bash
# No periodic timers: with 1,000 idle workers in 50 groups, count the system
# calls every pmtree process makes over a window (strace -c).  Expect none.
#   bench/idle-strace.sh [SECONDS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${PMTREE_BIN:-$top/build/pmtree}
secs=${1:-20}
dir=$(mktemp -d /tmp/pmtree-idle.XXXXXX)
trap 'kill -TERM $root 2>/dev/null; wait $root 2>/dev/null; rm -rf "$dir"' EXIT
command -v strace >/dev/null || { echo "idle-strace: strace is not installed" >&2; exit 1; }

{
	echo "name: idle"
	echo "control: {socket: $dir/idle.sock}"
	echo "log: {dir: $dir/logs}"
	echo "children:"
	for g in $(seq 0 49); do
		printf '  - name: g%02d\n    children:\n' "$g"
		for w in $(seq 0 19); do
			printf '      - {name: w%02d, cmd: "sleep 100000"}\n' "$w"
		done
	done
} > "$dir/idle.yaml"
"$bin" run "$dir/idle.yaml" 2>"$dir/err" &
root=$!
for _ in $(seq 1 600); do
	grep -q "is up" "$dir/err" 2>/dev/null && break
	sleep 0.1
done
grep -q "is up" "$dir/err" || { echo "idle-strace: the tree did not come up" >&2; exit 1; }
pids=$(pgrep -f '^pmtree: (root|group)' | tr '\n' ' ')
args=()
for p in $pids; do args+=(-p "$p"); done
echo "tracing $(( ${#args[@]} / 2 )) pmtree processes (1,000 idle workers) for ${secs}s"
timeout -s INT "$secs" strace -c -f "${args[@]}" -o "$dir/strace.txt" || true
calls=$(awk '/^-+/ {n++} n == 2 && /total/ {print $4} n < 2 {next}' "$dir/strace.txt")
cat "$dir/strace.txt"
echo "system calls by pmtree's $(( ${#args[@]} / 2 )) processes in ${secs}s: ${calls:-0}"
