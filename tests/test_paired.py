"""The paired gain's interval, proven by simulation: data drawn with a known gain, coverage counted.

Each regime draws d[s, j] = mu + a[s] + b[j] + e[s, j] afresh per replication (new seeds, new
items from the item population), so the interval must cover mu, the gain over seeds and items.
On the formula used before issue #29 (seed variance / n + the mean per-seed item variance,
undivided) these fail: it covered 100% of the binary regime's replications.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from audit.judge.paired import by_cluster, crossed, paired_gain

REPLICATIONS = 2000
ITEMS = 400
MU = 2.0
REGIMES = {  # (seed SD, item-heterogeneity SD, interaction SD), in points
    "seed noise dominant": (3.0, 0.0, 20.0),
    "item heterogeneity dominant": (0.0, 30.0, 10.0),
    "mixed": (1.5, 30.0, 20.0),
}


def _draw(rng, n: int, m: int, seed_sd: float, item_sd: float, noise_sd: float) -> np.ndarray:
    seeds = seed_sd * rng.standard_normal((n, 1))
    items = item_sd * rng.standard_normal((1, m))
    return MU + seeds + items + noise_sd * rng.standard_normal((n, m))


def _coverage(draw, truth: float, replications: int = REPLICATIONS) -> float:
    hits = 0
    for _ in range(replications):
        g = crossed(draw())
        hits += g.low <= truth <= g.high
    return hits / replications


@pytest.mark.parametrize("n", [3, 5, 10])
@pytest.mark.parametrize("regime", sorted(REGIMES))
def test_the_95_interval_covers_the_true_gain_95_percent_of_the_time(regime: str, n: int) -> None:
    rng = np.random.default_rng(1000 + n + len(regime))
    found = _coverage(lambda: _draw(rng, n, ITEMS, *REGIMES[regime]), MU)
    assert 0.935 <= found <= 0.965, f"{regime}, {n} seeds: coverage {found:.3f}"


def _binary(rng, n: int, m: int, gain: float = 0.05, seed_sd: float = 0.016) -> np.ndarray:
    """Paired right/wrong outcomes as mini measures them: per-seed gain SD about 3 points."""
    ref = rng.uniform(0.25, 0.7, m)
    item_gain = gain + rng.uniform(-0.15, 0.15, m)
    shift = seed_sd * math.sqrt(3) * rng.uniform(-1, 1, (2, n, 1))
    treated = rng.random((n, m)) < ref + item_gain + shift[0]
    reference = rng.random((n, m)) < ref + shift[1]
    return 100.0 * (treated.astype(float) - reference)


def test_coverage_on_binary_items_as_mini_scores_them() -> None:
    rng = np.random.default_rng(29)
    found = _coverage(lambda: _binary(rng, 4, 1245), 5.0, replications=1500)
    assert 0.935 <= found <= 0.965, f"coverage {found:.3f}"


def test_strata_keep_differences_between_tasks_out_of_the_item_noise() -> None:
    """Two tasks (200 items each) with gains of MU - 4 and MU + 4: the item term is measured within each."""
    rng = np.random.default_rng(7)
    strata = [0] * 200 + [1] * 200
    offset = np.array([-4.0] * 200 + [4.0] * 200)
    hits, widths, pooled = 0, [], []
    for _ in range(1500):
        d = _draw(rng, 4, 400, 1.5, 10.0, 20.0) + offset
        g, plain = crossed(d, strata=strata), crossed(d)
        hits += g.low <= MU <= g.high
        widths.append(g.high - g.low)
        pooled.append(plain.high - plain.low)
    assert 0.935 <= hits / 1500 <= 0.965
    assert np.mean(widths) < np.mean(pooled)


def test_the_mde_shrinks_towards_2_8_item_standard_errors_as_seeds_grow() -> None:
    rng = np.random.default_rng(11)
    mdes, limit = [], []
    for n in (3, 10, 30, 300):
        found, item_se = [], []
        for _ in range(40):
            d = _draw(rng, n, 500, 3.0, 30.0, 20.0)
            found.append(crossed(d).mde)
            item_se.append(float(np.std(d.mean(axis=0), ddof=1) / math.sqrt(500)))  # of the seed-averaged gains
        mdes.append(float(np.mean(found)))
        limit.append(2.8 * float(np.mean(item_se)))
    assert mdes == sorted(mdes, reverse=True), mdes
    assert mdes[0] > 1.5 * limit[0]  # three seeds: the seed noise and its 2 df weigh most
    assert mdes[-1] == pytest.approx(limit[-1], rel=0.05)


def _rows(d: np.ndarray, clusters=None):
    for s in range(d.shape[0]):
        for j in range(d.shape[1]):
            extra = {"cluster": clusters[j]} if clusters else {}
            yield {"seed": s, "arm": "reference", "item": f"i{j}", "score": 50.0, **extra}
            yield {"seed": s, "arm": "treated", "item": f"i{j}", "score": 50.0 + d[s, j], **extra}


def test_paired_gain_reads_rows_and_agrees_with_the_table() -> None:
    d = _draw(np.random.default_rng(3), 5, 60, 2.0, 10.0, 15.0)
    g, t = paired_gain(_rows(d)), crossed(d)
    assert (g.mean, g.low, g.high, g.se, g.df, g.mde) == pytest.approx((t.mean, t.low, t.high, t.se, t.df, t.mde))
    assert g.n_seeds == 5 and g.n_items == 60 and g.dropped == 0 and g.low < g.mean < g.high
    assert 0 <= g.p_value <= 1


def test_items_of_one_cluster_move_together() -> None:
    d = _draw(np.random.default_rng(4), 4, 60, 2.0, 10.0, 15.0)
    clusters = [j // 3 for j in range(60)]
    g = paired_gain(_rows(d, clusters))
    grouped, _ = by_cluster(d, clusters)
    assert g.n_items == 20 and g.mean == pytest.approx(d.mean())
    assert g.se == pytest.approx(crossed(grouped).se)


def test_an_item_missing_in_one_seed_is_left_out_and_counted() -> None:
    rows = [r for r in _rows(np.ones((3, 10))) if not (r["seed"] == 2 and r["item"] == "i4")]
    g = paired_gain(rows)
    assert g.n_items == 9 and g.dropped == 1


def test_one_seed_gives_no_interval_and_bad_rows_are_refused() -> None:
    assert math.isnan(paired_gain(_rows(np.ones((1, 5)))).low)
    with pytest.raises(ValueError, match="arm must be"):
        paired_gain([{"seed": 0, "arm": "control", "item": "a", "score": 1.0}])
    with pytest.raises(ValueError, match="two treated outcomes"):
        paired_gain([{"seed": 0, "arm": "treated", "item": "a", "score": 1.0}] * 2)


def test_the_public_path_is_audit_stats() -> None:
    from audit.judge import stats

    assert stats.paired_gain is paired_gain
