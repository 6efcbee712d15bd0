#!/usr/bin/env python3
"""Control-plane latency (issue: status < 20 ms, group restart < 50 ms).

  bench/control.py [PMTREE_BIN]

Starts a tree of 1,000 idle workers in 50 groups of 20, then times, end to
end as a user sees it (process start to exit, medians of 20 runs):
  - `pmtree status --json` of the whole tree;
  - `pmtree restart gNN` of one group of 20 workers (ready: none): the
    command returns once all 20 run again.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "build", "pmtree")
RUNS = 20


def tree(d):
    lines = ["name: ctlbench", "control: {socket: %s/ctl.sock}" % d,
             "log: {dir: %s/logs}" % d, "children:"]
    for g in range(50):
        lines += ["  - name: g%02d" % g, "    children:"]
        for w in range(20):
            lines.append('      - {name: w%02d, cmd: "sleep 100000"}' % w)
    path = os.path.join(d, "ctl.yaml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def timed(args):
    t0 = time.perf_counter()
    r = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = (time.perf_counter() - t0) * 1000
    if r.returncode != 0:
        raise SystemExit("%s failed: %s" % (" ".join(args), r.stderr.decode()))
    return dt


def main():
    d = tempfile.mkdtemp(prefix="pmtree-ctl.")
    sock = os.path.join(d, "ctl.sock")
    root = subprocess.Popen([BIN, "run", tree(d)], stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(d, "err"), "w"))
    try:
        for _ in range(600):
            if os.path.exists(os.path.join(d, "logs", "pmtree.log")) and \
                    "is up" in open(os.path.join(d, "logs", "pmtree.log")).read():
                break
            time.sleep(0.1)
        else:
            raise SystemExit("the tree did not come up")
        st = [timed([BIN, "-S", sock, "status", "--json"]) for _ in range(RUNS)]
        rs = [timed([BIN, "-S", sock, "restart", "g%02d" % (k % 50)])
              for k in range(RUNS)]
        nop = [timed([BIN, "--version"]) for _ in range(RUNS)]
    finally:
        root.terminate()
        root.wait(60)
    print("control plane, 1,000 workers in 50 groups, medians of %d runs:" % RUNS)
    print("  pmtree status --json      %7.2f ms  (min %.2f, max %.2f)" %
          (statistics.median(st), min(st), max(st)))
    print("  pmtree restart gNN (20)   %7.2f ms  (min %.2f, max %.2f)" %
          (statistics.median(rs), min(rs), max(rs)))
    print("  pmtree --version (floor)  %7.2f ms" % statistics.median(nop))


main()
