"""How long the judge's interval takes: ``audit.judge.stats.paired_gain``, 10 seeds x 1,000 items (#29: < 0.2 s).

Rows are plain dicts, as a notebook would pass them (20,000 rows: two arms per seed and item),
and the core (``audit.judge.paired.crossed``) on the same table, which the simulation tests call
thousands of times. Prints the median of N timed calls after one warm-up.
Run: ``python benchmarks/paired_gain.py [N]``.
"""

import statistics
import sys
import time

import numpy as np

from audit.judge.paired import crossed
from audit.judge.stats import paired_gain


def rows(d: np.ndarray) -> list[dict]:
    return [
        {"seed": s, "arm": arm, "item": f"i{j}", "score": 50.0 + (d[s, j] if arm == "treated" else 0.0)}
        for s in range(d.shape[0])
        for j in range(d.shape[1])
        for arm in ("reference", "treated")
    ]


def timed(fn, *args, n: int) -> float:
    fn(*args)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(n: int) -> None:
    d = np.random.default_rng(0).normal(2.0, 20.0, size=(10, 1000))
    table = rows(d)
    print(f"paired_gain, 10 seeds x 1,000 items ({len(table):,} rows): median {timed(paired_gain, table, n=n):.4f} s")
    print(f"crossed, the same 10 x 1,000 table:          median {timed(crossed, d, n=n):.5f} s  (n={n})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
