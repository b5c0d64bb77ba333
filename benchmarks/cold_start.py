"""Cold start of the commands that must stay light, as a ratio to the import floor.

The floor is a fresh Python that imports what any typer CLI with rich tables imports
(``import typer, rich.table``); the standing target is ``audit claims`` at most 3x that floor
(issue #33), and ``audit --help`` at most 0.3 s (issue #2). Each command runs as a fresh process
N times after one warm-up, interleaved with the floor so that load on the machine hits both
alike; prints min and median wall seconds and the ratio of medians. The processes may write
bytecode (``PYTHONDONTWRITEBYTECODE`` is dropped), as a user's second run finds it: else the
package's own modules are compiled from source on every start, which the floor never pays.
Run: ``make bench`` or ``python benchmarks/cold_start.py [N]``.
"""

import os
import shutil
import statistics
import subprocess
import sys
import time

FLOOR = [sys.executable, "-c", "import typer, rich.table"]
COMMANDS = {"audit --help": ["--help"], "audit claims": ["claims"]}


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def wall(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=True, env=ENV)
    return time.perf_counter() - start


def main(n: int) -> None:
    audit = shutil.which("audit") or "audit"
    floor: list[float] = []
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for argv in [FLOOR, *([audit, *a] for a in COMMANDS.values())]:
        wall(argv)  # warm the file cache
    for _ in range(n):
        floor.append(wall(FLOOR))
        for name, args in COMMANDS.items():
            times[name].append(wall([audit, *args]))
    base = statistics.median(floor)
    print(f"floor (import typer, rich.table)  min {min(floor):.3f} s  median {base:.3f} s  (n={n})")
    for name, ts in times.items():
        median = statistics.median(ts)
        print(f"{name:32s}  min {min(ts):.3f} s  median {median:.3f} s  ratio {median / base:.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
