"""The MDE a claim's design would reach with more seeds, from the variance components its runs measured.

Reads the newest ok runs of one claim at one profile from a store, rebuilds the judge's seeds x
item-clusters table (``audit.judge.gain_table``), splits its variance into seed, item and
residual components (``audit.judge.paired``), and projects the crossed interval's MDE (80% power,
two-sided 5%, Satterthwaite df) for other seed counts with the same items. With the wall time
the runs took, it prints the frontier: MDE against wall minutes, the cost scaling with seeds.

Run: ``python benchmarks/mde_frontier.py STORE CLAIM [--profile mini] [--minutes-per-seed M]``.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from scipy import stats

from audit.judge import gain_table
from audit.judge.paired import by_cluster, crossed
from audit.store import Store

SEEDS = (4, 8, 10, 12, 16, 30)


def table(store: Store, claim: str, profile: str):
    rows = store.con.execute(
        "select id, seed from runs where claim_id = ? and profile = ? and status = 'ok' order by ended_at",
        [claim, profile],
    ).fetchall()
    newest = dict((seed, run_id) for run_id, seed in rows)  # the last run of each seed
    cells = store.cells(list(newest.values()))
    found = gain_table.table({seed: cells[run_id] for seed, run_id in newest.items()})
    return by_cluster(found.values, found.clusters, found.strata)


def mde(var_a: float, var_b: float, var_e: float, n: int, m: int) -> tuple[float, float]:
    """The MDE and Satterthwaite df of the crossed interval at n seeds and m item clusters."""
    ms_seed, ms_item = var_e + m * var_a, var_e + n * var_b
    terms = [(ms_seed, n - 1, 1.0)] + ([(ms_item, m - 1, 1.0), (var_e, (n - 1) * (m - 1), -1.0)] if var_b else [])
    total = sum(c * ms for ms, _, c in terms)
    if total <= 0:  # no variance measured (every outcome identical): no interval, no MDE
        return math.nan, math.nan
    df = total**2 / sum((c * ms) ** 2 / d for ms, d, c in terms)
    se = math.sqrt(total / (n * m))
    return (stats.t.ppf(0.975, df) + stats.t.ppf(0.8, df)) * se, df


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store", type=Path)
    parser.add_argument("claim")
    parser.add_argument("--profile", default="mini")
    parser.add_argument("--minutes-per-seed", type=float, default=None, help="wall minutes one seed costs")
    args = parser.parse_args()
    grouped, strata = table(Store(args.store, read_only=True), args.claim, args.profile)
    g = crossed(grouped, strata=strata)
    n, m = grouped.shape
    print(
        f"{args.claim} at {args.profile}: {n} seeds x {m} item clusters; mean {g.mean:.2f} [{g.low:.2f}, {g.high:.2f}]"
    )
    print(f"components (points^2): seed {g.seed_var:.2f}, item {g.item_var:.1f}, residual {g.residual_var:.1f}")
    print(f"measured MDE {g.mde:.2f} (df {g.df:.1f})")
    print("| seeds | MDE (df) | wall minutes |")
    print("|---:|---:|---:|")
    for seeds in SEEDS:
        value, df = mde(g.seed_var, g.item_var, g.residual_var, seeds, m)
        minutes = f"{seeds * args.minutes_per_seed:.0f}" if args.minutes_per_seed else "-"
        print(f"| {seeds} | {value:.2f} ({df:.1f}) | {minutes} |")


if __name__ == "__main__":
    main()
