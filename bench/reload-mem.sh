#!/usr/bin/env bash
# Memory across reloads: 1,000 idle workers in 50 groups, the PSS of all of
# pmtree's processes (root, collector, group supervisors; not the workers)
# once up, then after 1, 10 and 40 `pmtree reload`s of the same file.
# Every reload makes each supervisor load the file anew, so what a reload
# leaves behind shows here, multiplied by 51.
#   bench/reload-mem.sh [RELOADS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${PMTREE_BIN:-$top/build/pmtree}
last=${1:-40}
root=
dir=$(mktemp -d /tmp/pmtree-reload.XXXXXX)
trap '[ -z "$root" ] || kill -TERM $root 2>/dev/null; wait $root 2>/dev/null; rm -rf "$dir"' EXIT

. "$top/bench/tree1000.sh"
tree1000_up reloadmem

# "pid pss_kib" for each of the tree's pmtree processes.
pss() {
	tree1000_pids | while read -r p; do
		awk -v p="$p" '/^Pss:/ { print p, $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || true
	done
}

report() {
	pss > "$dir/pss"
	awk -v what="$1" -v r="$root" '
		{ n++; sum += $2; if ($1 == r) rootk = $2; else if ($2 > big) big = $2 }
		END { printf "%-14s %4d processes  PSS %8.2f MiB  root %6.2f MiB  largest other %6.2f MiB\n",
		    what, n, sum / 1024, rootk / 1024, big / 1024 }' "$dir/pss"
}

sleep 2	# the collector's and the groups' first writes settle
report "up"
done_n=0
for at in 1 10 "$last"; do
	[ "$at" -gt "$done_n" ] || continue
	while [ "$done_n" -lt "$at" ]; do
		"$bin" -S "$dir/ctl.sock" reload >/dev/null
		done_n=$((done_n + 1))
	done
	sleep 1
	report "$done_n reloads"
done
