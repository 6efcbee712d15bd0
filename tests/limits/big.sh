#!/usr/bin/env bash
# tests/limits/big.sh PMTREE CONNS [PART...]: the heavy limits checks, run by
# scripts/limits (not part of the suite; minutes, gigabytes, 10,000 processes).
#
#   workers  10,000 workers (sleep) in 100 groups: `pmtree check` < 1 s, the
#            tree comes up, `status --json` lists 10,000 running workers,
#            shutdown leaves no process behind
#   line     a worker writes 1 GiB without a newline (then one): 65,536
#            records of 16 KiB, every byte, with the collector's RSS bounded
#   conns    1,000 control connections at once: each gets its `status`; the
#            root's fds come back down
#
# PMTREE is the pmtree binary, CONNS the tests/limits/conns.c helper.
# Prints figures; exits 1 if a check failed.
set -uo pipefail

pmtree=$1
conns=$2
shift 2
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(workers line conns)

work=$(mktemp -d /tmp/pmtree-limits.XXXXXX)
tag="PMTREE_LIMITS_TAG=$work"
failed=0
keep=${PMTREE_LIMITS_KEEP:-}

say() { printf '%s\n' "$*"; }
fig() { printf '  %-44s %s\n' "$1" "$2"; }
bad() { printf '  FAIL: %s\n' "$*"; failed=1; }

ms() { date +%s%3N; }
rss_kb() { awk '/^VmRSS/ {print $2; f = 1} END {if (!f) print 0}' "/proc/$1/status" 2>/dev/null || echo 0; }
nfds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# Pids of every live process of ours: workers carry our tag in their
# environment; pmtree's own processes (whose title overwrites it) run in
# our folder.
tagged() {
	{
		grep -lzxF -- "$tag" /proc/[0-9]*/environ 2>/dev/null |
		    sed -n 's|^/proc/\([0-9]*\)/environ$|\1|p'
		find /proc/[0-9]* -maxdepth 1 -name cwd \( -lname "$work" -o -lname "$work/*" \) 2>/dev/null |
		    sed -n 's|^/proc/\([0-9]*\)/cwd$|\1|p'
	} | sort -u | grep -vx "$$"
}

# The child of $1 whose title starts with $2 ("pmtree: log").
child_titled() {
	ps --ppid "$1" -o pid=,args= 2>/dev/null |
	    awk -v t="$2" '{ p = $1; $1 = ""; sub(/^ /, ""); if (index($0, t) == 1) { print p; exit } }'
}

# Only what we started: the tagged processes, by pid.
# shellcheck disable=SC2317
cleanup() {
	local pids p
	pids=$(tagged)
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
	if [ -z "$keep" ] && [ "$failed" -eq 0 ]; then
		rm -rf "$work"
	else
		say "kept $work"
	fi
}
trap cleanup EXIT

# run NAME: starts `pmtree run NAME.yaml` in $work/NAME; sets ROOT.
run_tree() {
	local dir=$work/$1
	(cd "$dir" && exec env "$tag" setsid "$pmtree" run "$1.yaml" >run.out 2>run.err) &
	RUNPID=$!
	ROOT=$RUNPID
}

# wait_log NAME NEEDLE SECONDS: until pmtree.log holds NEEDLE.
wait_log() {
	local log=$work/$1/logs/pmtree.log deadline=$(( $(date +%s) + $3 ))
	while [ "$(date +%s)" -lt $deadline ]; do
		grep -qF -- "$2" "$log" 2>/dev/null && return 0
		alive "$ROOT" || return 1
		sleep 0.5
	done
	return 1
}

ctl() { "$pmtree" -S "$work/$1/run/$1.sock" "${@:2}"; }

# shutdown NAME SECONDS: `pmtree shutdown`, then no tagged process is left.
shutdown_tree() {
	local t0 t1 left i
	t0=$(ms)
	if ! timeout "$2" "$pmtree" -S "$work/$1/run/$1.sock" shutdown >/dev/null; then
		bad "$1: pmtree shutdown failed or took more than $2 s ($(grep -c 'output not drained' "$work/$1/logs/pmtree.log") \"output not drained\" in pmtree.log); a second TERM kills the rest"
		kill -TERM "$ROOT" 2>/dev/null
	fi
	t1=$(ms)
	fig "$1: shutdown" "$(( t1 - t0 )) ms"
	wait "$RUNPID" 2>/dev/null
	fig "$1: pmtree run exit code" "$?"
	for i in $(seq 1 20); do
		left=$(tagged | wc -l)
		[ "$left" -eq 0 ] && break
		sleep 0.5
	done
	fig "$1: processes left after shutdown" "$left"
	[ "$left" -eq 0 ] || bad "$1: $left processes left after shutdown: $(tagged | head -5 | xargs)"
}

# --- limits ------------------------------------------------------------------

if [ "$(id -u)" -eq 0 ] && [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt 65536 ]; then
	ulimit -Hn 65536 2>/dev/null || true
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
say "limits: open files $(ulimit -n) (hard $(ulimit -Hn)), processes $(ulimit -u), pid_max $(cat /proc/sys/kernel/pid_max)"
# What the root asks for (src/root/root.c): 3 per worker + 64.  The
# collector holds 2 pipes per worker and a file per worker name.
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt 30064 ]; then
	say "limits: NOTE: a hard limit of $(ulimit -Hn) open files is below the 30,064 that 10,000 workers need;"
	say "        the workers part then checks how pmtree copes with running out of fds"
fi

# --- 10,000 workers -----------------------------------------------------------

part_workers() {
	local dir=$work/big t0 t1 n coll out
	say "== 10,000 workers in 100 groups"
	mkdir -p "$dir"
	{
		echo "name: big"
		echo "control: {socket: run/big.sock}"
		echo "log: {dir: logs}"
		echo "children:"
		for g in $(seq 0 99); do
			echo "  - name: g$g"
			echo "    children:"
			for w in $(seq 0 9); do
				echo "      - {name: w$w, cmd: [sleep, '99991'], instances: 10}"
			done
		done
	} >"$dir/big.yaml"

	t0=$(ms)
	"$pmtree" check "$dir/big.yaml" >/dev/null || bad "pmtree check failed"
	t1=$(ms)
	fig "check" "$(( t1 - t0 )) ms"
	[ $(( t1 - t0 )) -lt 1000 ] || bad "pmtree check took $(( t1 - t0 )) ms (limit 1000)"

	t0=$(ms)
	run_tree big
	if ! wait_log big "tree big is up" 900; then
		bad "the tree did not come up in 900 s ($(grep -c ' started (pid' "$dir/logs/pmtree.log" 2>/dev/null) starts)"
		tail -5 "$dir/logs/pmtree.log" 2>/dev/null | sed 's/^/    /'
		shutdown_tree big 180
		return
	fi
	t1=$(ms)
	fig "up" "$(( t1 - t0 )) ms"

	t0=$(ms)
	out=$(timeout 60 "$pmtree" -S "$dir/run/big.sock" status --json)
	t1=$(ms)
	fig "status --json" "$(( t1 - t0 )) ms, $(printf %s "$out" | wc -c) bytes"
	n=$(printf %s "$out" | grep -o '"type":"worker"' | wc -l)
	fig "workers listed" "$n"
	[ "$n" -eq 10000 ] || bad "status lists $n workers, want 10000"
	if command -v jq >/dev/null; then
		n=$(printf %s "$out" | jq '[.. | objects | select(.type == "worker" and .state == "running")] | length')
		fig "workers running" "$n"
		[ "$n" -eq 10000 ] || bad "$n workers running, want 10000"
	fi
	t0=$(ms)
	timeout 60 "$pmtree" -S "$dir/run/big.sock" status >/dev/null || bad "status (text) failed"
	t1=$(ms)
	fig "status (text)" "$(( t1 - t0 )) ms"

	coll=$(child_titled "$ROOT" "pmtree: log")
	fig "root: RSS, fds" "$(rss_kb "$ROOT") KiB, $(nfds "$ROOT") fds"
	fig "collector: RSS, fds" "$(rss_kb "$coll") KiB, $(nfds "$coll") fds"
	fig "group g0: RSS, fds" "$(rss_kb "$(child_titled "$ROOT" "pmtree: group g0")") KiB, $(nfds "$(child_titled "$ROOT" "pmtree: group g0")") fds"
	fig "processes in the tree" "$(tagged | wc -l)"
	n=$(grep -c 'Too many open files\|Resource temporarily' "$dir/logs/pmtree.log")
	fig "fd/fork errors in pmtree.log" "$n"
	[ "$n" -eq 0 ] || bad "$n fd/fork errors in pmtree.log"
	shutdown_tree big 180
}

# --- a 1 GiB line ------------------------------------------------------------------

part_line() {
	local dir=$work/gig size want last_size last_t now t0 t1 coll rss max=0 base recs res
	local total=1073741824 rec=16384
	say "== a worker writes 1 GiB without a newline"
	mkdir -p "$dir"
	cat >"$dir/gig.yaml" <<-EOF
	name: gig
	control: {socket: run/gig.sock}
	log: {dir: logs, max_size: 0}
	children:
	  - {name: big, cmd: [sh, -c, "while [ ! -e go ]; do sleep 0.1; done; head -c $total /dev/zero | tr '\\\\0' x; echo; exec sleep 99991"]}
	EOF
	run_tree gig
	wait_log gig "tree gig is up" 60 || { bad "the tree did not come up"; shutdown_tree gig 60; return; }
	coll=$(child_titled "$ROOT" "pmtree: log")
	base=$(rss_kb "$coll")
	fig "collector RSS before" "$base KiB"
	# "<27-byte stamp> big out <16384 bytes>\n"
	want=$(( (27 + 9 + rec + 1) * (total / rec) ))
	: >"$dir/go"
	t0=$(ms); last_size=0; last_t=$t0
	while :; do
		size=$(stat -c %s "$dir/logs/big.log" 2>/dev/null || echo 0)
		rss=$(rss_kb "$coll")
		[ "$rss" -gt "$max" ] && max=$rss
		now=$(ms)
		[ "$size" -ge "$want" ] && break
		if [ "$size" -ne "$last_size" ]; then
			last_size=$size; last_t=$now
		elif [ $(( now - last_t )) -gt 30000 ]; then
			bad "big.log stopped growing at $size bytes ($(( size / (27 + 9 + rec + 1) )) records of $(( total / rec ))) for 30 s: the collector stalled"
			break
		fi
		sleep 0.2
	done
	t1=$(ms)
	fig "logged" "$size of $want bytes in $(( t1 - t0 )) ms ($(( size * 1000 / 1048576 / (t1 - t0 + 1) )) MiB/s)"
	fig "collector RSS max" "$max KiB (before: $base KiB)"
	[ $(( max - base )) -lt 8192 ] || bad "the collector's RSS grew by $(( max - base )) KiB"
	if [ "$size" -ge "$want" ]; then
		res=$(LC_ALL=C awk -v n="$rec" 'length($4) != n || $4 ~ /[^x]/ || $2 != "big" || $3 != "out" {bad++} END {print NR, bad + 0}' "$dir/logs/big.log")
		recs=${res% *}
		fig "records, malformed" "$res"
		if [ "$recs" -ne $(( total / rec )) ] || [ "${res#* }" -ne 0 ]; then
			bad "big.log: $res (records, malformed), want $(( total / rec )) 0"
		fi
	fi
	shutdown_tree gig 60
}

# --- 1,000 connections ----------------------------------------------------------

part_conns() {
	local dir=$work/conns fds0 fds1 i
	say "== 1,000 control connections at once"
	mkdir -p "$dir"
	{
		echo "name: conns"
		echo "control: {socket: run/conns.sock}"
		echo "log: {dir: logs}"
		echo "children:"
		for i in $(seq 0 9); do echo "  - {name: s$i, cmd: [sleep, '99991']}"; done
	} >"$dir/conns.yaml"
	run_tree conns
	wait_log conns "tree conns is up" 60 || { bad "the tree did not come up"; shutdown_tree conns 60; return; }
	ctl conns status >/dev/null || bad "status"
	sleep 0.5
	fds0=$(nfds "$ROOT")
	fig "root fds before" "$fds0"
	"$conns" "$work/conns/run/conns.sock" 1000 120 | sed 's/^/  /' || bad "not every connection got its reply"
	alive "$ROOT" || bad "the root died"
	for i in $(seq 1 20); do
		fds1=$(nfds "$ROOT")
		[ "$fds1" -le "$fds0" ] && break
		sleep 0.5
	done
	fig "root fds after" "$fds1"
	[ "$fds1" -le "$fds0" ] || bad "the root holds $fds1 fds, $fds0 before"
	fig "root RSS" "$(rss_kb "$ROOT") KiB"
	n=$(grep -c 'accept' "$dir/logs/pmtree.log")
	fig "accept errors in pmtree.log" "$n"
	ctl conns status >/dev/null || bad "status afterwards"
	shutdown_tree conns 60
}

for p in "${parts[@]}"; do
	case $p in
	workers) part_workers ;;
	line) part_line ;;
	conns) part_conns ;;
	*) echo "big.sh: unknown part $p" >&2; exit 2 ;;
	esac
done

if [ $failed -eq 0 ]; then say "limits: all checks passed"; else say "limits: FAILED"; fi
exit $failed
