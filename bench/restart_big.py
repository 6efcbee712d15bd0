#!/usr/bin/env python3
"""Restart latency with many workers in the tree.

Runs the shared harness's own restart measurement (run.py m_restart) with
every peer's tree holding N workers instead of one: the kill -> replacement
latency must not grow with the tree.  Usage (from bench/run):
    restart_big.py HARNESS_DIR N run.py-args...
"""
import importlib.util
import os
import sys

harness, n = sys.argv[1], int(sys.argv[2])
sys.argv = [os.path.join(harness, "run.py")] + sys.argv[3:]
spec = importlib.util.spec_from_file_location("run", sys.argv[0])
run = importlib.util.module_from_spec(spec)
sys.path.insert(0, harness)
spec.loader.exec_module(run)

setup, wait_count = run.Peer.setup, run.StartWatch.wait_count


def setup_n(self, count, *rest):
    return setup(self, n if count == 1 else count, *rest)


def wait_all(self, count, timeout):
    # The first kill must come after every worker's first start line.
    return wait_count(self, max(count, n), max(timeout, 120))


run.Peer.setup = setup_n
run.StartWatch.wait_count = wait_all
os.chdir(harness)
run.main()
