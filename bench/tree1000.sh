# Sourced by the bench scripts: tree1000_up NAME starts 1,000 idle workers in
# 50 groups of 20 under `pmtree run`, in $dir (the caller's temporary folder,
# which also gets the control socket ctl.sock), and waits until the tree is
# up; $root is then the root's pid.
tree1000_up() {
	{
		echo "name: $1"
		echo "control: {socket: $dir/ctl.sock}"
		echo "log: {dir: $dir/logs}"
		echo "children:"
		for g in $(seq 0 49); do
			printf '  - name: g%02d\n    children:\n' "$g"
			for w in $(seq 0 19); do
				printf '      - {name: w%02d, cmd: "sleep 100000"}\n' "$w"
			done
		done
	} > "$dir/$1.yaml"
	"$bin" run "$dir/$1.yaml" 2>"$dir/err" &
	root=$!
	for _ in $(seq 1 600); do
		grep -q "is up" "$dir/err" 2>/dev/null && break
		sleep 0.1
	done
	grep -q "is up" "$dir/err" || { echo "$1: the tree did not come up" >&2; exit 1; }
}

# The pids of the root and its descendants titled "pmtree: ..." (not the
# workers), one a line.
tree1000_pids() {
	ps -eo pid=,ppid=,args= | awk -v r="$root" '
		$3 ~ /^pmtree:/ { up[$1] = $2 }
		END {
			mine[r] = 1
			do { more = 0
				for (p in up) if (!(p in mine) && (up[p] in mine)) { mine[p] = 1; more = 1 }
			} while (more)
			for (p in mine) print p
		}'
}
