#!/bin/sh
# check of 10,000 workers: times `pmtree check` on a generated tree of
# 10,000 workers, once in 50 groups of 200 and once as one flat list, and
# prints the median of RUNS runs of each (target: under 100 ms).
#
#   bench/check10k.sh [PMTREE] [RUNS]      (defaults: build/pmtree, 11)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
pmtree=${1:-$top/build/pmtree}
runs=${2:-11}
[ -x "$pmtree" ] || { echo "check10k: no binary at $pmtree (build first)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# 50 groups x 200 workers, each with a few keys, and a root `defaults`.
gen_groups() {
	echo "name: bench"
	echo "defaults: {shutdown: 3s, env: {MODE: bench}}"
	echo "children:"
	g=0
	while [ $g -lt 50 ]; do
		echo "  - name: group$g"
		echo "    strategy: one_for_all"
		echo "    children:"
		w=0
		while [ $w -lt 200 ]; do
			echo "      - name: w$w"
			echo "        cmd: sleep 1000"
			echo "        env: {ID: \"$g-$w\"}"
			w=$((w + 1))
		done
		g=$((g + 1))
	done
}

gen_flat() {
	echo "name: flat"
	echo "children:"
	w=0
	while [ $w -lt 10000 ]; do
		echo "  - {name: w$w, cmd: sleep 1000, restart: transient}"
		w=$((w + 1))
	done
}

gen_groups >"$tmp/groups.yaml"
gen_flat >"$tmp/flat.yaml"

now_ns() { date +%s%N; }

# Prints the median wall time in ms of RUNS runs of `pmtree check FILE`.
median_ms() {
	file=$1
	"$pmtree" check "$file" >/dev/null	# warm-up, and must be valid
	i=0
	: >"$tmp/times"
	while [ $i -lt "$runs" ]; do
		t0=$(now_ns)
		"$pmtree" check "$file" >/dev/null
		t1=$(now_ns)
		echo $(( (t1 - t0) / 1000 )) >>"$tmp/times"
		i=$((i + 1))
	done
	sort -n "$tmp/times" | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f", m / 1000 }'
}

if command -v hyperfine >/dev/null 2>&1; then
	hyperfine -N --warmup 2 --runs "$runs" \
	    "$pmtree check $tmp/groups.yaml" "$pmtree check $tmp/flat.yaml"
	exit 0
fi

for kind in groups flat; do
	size=$(wc -c <"$tmp/$kind.yaml")
	printf 'check of 10,000 workers (%s, %d bytes): median %s ms of %d runs\n' \
	    "$kind" "$size" "$(median_ms "$tmp/$kind.yaml")" "$runs"
done
