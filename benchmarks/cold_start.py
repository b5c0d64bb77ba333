"""Cold start of the commands that must stay light: ``audit --help`` and ``audit claims``.

Each command runs as a fresh process N times after one warm-up; prints min and median
wall seconds. The goal (issue #2) is a median of at most 0.3 s for ``audit --help``.
Run: ``make bench`` or ``python benchmarks/cold_start.py [N]``.
"""

import shutil
import statistics
import subprocess
import sys
import time

COMMANDS = [["--help"], ["claims"]]


def wall(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([shutil.which("audit") or "audit", *args], capture_output=True, check=True)
    return time.perf_counter() - start


def main(n: int) -> None:
    for args in COMMANDS:
        wall(args)
        times = [wall(args) for _ in range(n)]
        median = statistics.median(times)
        print(f"audit {' '.join(args):8s} min {min(times):.3f} s  median {median:.3f} s  (n={n})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
