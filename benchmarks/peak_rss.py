"""Run a command and report the peak of its whole process tree's summed resident memory.

``/usr/bin/time -v`` reports the largest single process; with worker processes the
machine holds their sum, so this samples the tree (psutil) every half second.
Usage: python benchmarks/peak_rss.py COMMAND [ARG ...]
"""

import contextlib
import subprocess
import sys
import time

import psutil


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):  # a worker that just ended
            total += p.memory_info().rss
    return total


def main() -> int:
    child = subprocess.Popen(sys.argv[1:])
    proc, peak = psutil.Process(child.pid), 0
    while child.poll() is None:
        peak = max(peak, tree_rss(proc))
        time.sleep(0.5)
    print(f"peak summed RSS of the process tree: {peak / 2**30:.2f} GiB", file=sys.stderr)
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())
