#!/usr/bin/env bash
# What `start: parallel` saves when every worker takes 200 ms to be ready:
# N workers (default 20) in G groups (default 4), each `ready: {fd: 3}` after
# a 200 ms sleep, all groups and the root sequential, then all parallel.
# Prints the median of REPS runs (default 3) of `pmtree run` to "is up".
set -euo pipefail
bin=${PMTREE_BIN:-$(cd "$(dirname "$0")/.." && pwd)/build/pmtree}
n=${N:-20} g=${G:-4} reps=${REPS:-3}
dir=$(mktemp -d /tmp/pmtree-par.XXXXXX)
trap 'rm -rf "$dir"' EXIT

tree() {  # $1 = start
	echo "name: par"
	echo "start: $1"
	echo "control: {socket: $dir/ctl.sock}"
	echo "log: {dir: $dir/logs}"
	echo "children:"
	for k in $(seq 0 $((g - 1))); do
		printf '  - name: g%d\n    start: %s\n    children:\n' "$k" "$1"
		for w in $(seq 0 $((n / g - 1))); do
			printf '      - {name: w%d, ready: {fd: 3}, cmd: [sh, -c, "sleep 0.2; echo >&3; exec sleep 100000"]}\n' "$w"
		done
	done
}

once() {  # $1 = start; prints ms from run to "is up"
	local t0 t1 root
	tree "$1" > "$dir/par.yaml"
	t0=$(date +%s%N)
	"$bin" run "$dir/par.yaml" 2>"$dir/err" &
	root=$!
	for _ in $(seq 1 1200); do
		grep -q "is up" "$dir/err" 2>/dev/null && break
		sleep 0.01
	done
	t1=$(date +%s%N)
	grep -q "is up" "$dir/err" || { echo "par: the tree did not come up" >&2; exit 1; }
	kill -TERM "$root"
	wait "$root" || true
	echo $(( (t1 - t0) / 1000000 ))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for start in sequential parallel; do
	ms=$(for _ in $(seq 1 "$reps"); do once "$start"; done | median)
	echo "$start: $n workers in $g groups, 200 ms each to be ready: up in $ms ms (median of $reps)"
done
