"""Verdict rules on synthetic measurement sets, boundaries included."""

import pytest

from audit.judge.stats import Interval
from audit.judge.verdict import Status, decide, judge
from audit.profiles import Profile
from audit.synthesis.spec import Claimed, ClaimSpec
from tests.test_spec import _valid


def iv(lo, hi, mean=None, exact=False, n=3):
    return Interval(n, mean if mean is not None else (lo + hi) / 2, lo, hi, exact)


def t_iv(lo, hi, n=3):
    """A t interval over n seeds with these bounds, its standard error included (full's magnitude rule reads it)."""
    from scipy import stats

    return Interval(n, (lo + hi) / 2, lo, hi, se=(hi - lo) / 2 / stats.t.ppf(0.975, n - 1))


APPROX = Claimed(value=8.2, precision=0.05, margin=0.5, comparison="approx")  # band [7.65, 8.75]


@pytest.mark.parametrize(
    ("interval", "status"),
    [
        (iv(7.9, 8.5), Status.SUPPORTED),
        (iv(7.65, 8.75), Status.SUPPORTED),  # exactly on both band edges
        (iv(7.6499, 8.5), Status.INCONCLUSIVE),  # a hair outside one edge, overlapping the band
        (iv(2.0, 3.0), Status.PARTIAL),  # right direction, too small
        (iv(9.0, 12.0), Status.PARTIAL),  # right direction, too large
        (iv(-3.0, -1.0), Status.REFUTED),  # opposite direction
        (iv(-1.0, 9.0), Status.INCONCLUSIVE),  # straddles zero
        (iv(8.2, 8.2), Status.SUPPORTED),  # zero variance inside
        (iv(5.0, 5.0), Status.PARTIAL),  # zero variance outside, same sign
    ],
)
def test_approx_rules(interval, status):
    assert judge(APPROX, interval)[0] == status


def test_one_seed_is_inconclusive():
    status, reason = judge(APPROX, Interval(1, 8.2, None, None))
    assert status == Status.INCONCLUSIVE and "--seeds" in reason


@pytest.mark.parametrize(
    ("interval", "status"),
    [
        (iv(0.1, 2.0), Status.SUPPORTED),
        (iv(0.0, 2.0), Status.INCONCLUSIVE),
        (iv(-2.0, -0.1), Status.REFUTED),
        (iv(-1.0, 1.0), Status.INCONCLUSIVE),
    ],
)
def test_positive_rules(interval, status):
    assert judge(Claimed(comparison="positive"), interval)[0] == status


@pytest.mark.parametrize(
    ("interval", "status"),
    [
        (iv(-0.5, 0.8), Status.SUPPORTED),
        (iv(-1.0, 1.0), Status.SUPPORTED),
        (iv(0.5, 1.5), Status.INCONCLUSIVE),
        (iv(1.2, 3.0), Status.REFUTED),
        (iv(-4.0, -2.0), Status.REFUTED),
    ],
)
def test_no_effect_rules(interval, status):
    assert judge(Claimed(value=0.0, margin=1.0, comparison="no-effect"), interval)[0] == status


@pytest.mark.parametrize(
    ("interval", "status"),
    [
        (iv(0.8, 0.9), Status.SUPPORTED),
        (iv(0.75, 0.9), Status.SUPPORTED),
        (iv(0.2, 0.4), Status.PARTIAL),
        (iv(0.5, 0.9), Status.INCONCLUSIVE),
    ],
)
def test_at_least_rules(interval, status):
    assert judge(Claimed(value=0.8, precision=0.05, comparison="at-least"), interval)[0] == status


def test_at_most_rules():
    c = Claimed(value=40, precision=0.5, comparison="at-most")
    assert judge(c, iv(30, 40.5))[0] == Status.SUPPORTED
    assert judge(c, iv(39, 42))[0] == Status.INCONCLUSIVE
    assert judge(c, iv(41, 45))[0] == Status.REFUTED
    assert judge(Claimed(value=-1.0, comparison="at-most"), iv(2, 3))[0] == Status.REFUTED


def test_exact_counts_refute_when_off_by_any_amount():
    c = Claimed(value=392702, precision=0.5, comparison="approx")
    assert judge(c, iv(392702, 392702, exact=True, n=1))[0] == Status.SUPPORTED
    assert judge(c, iv(392703, 392703, exact=True, n=1))[0] == Status.REFUTED


def test_smoke_only_ever_says_pipeline_ok():
    spec = ClaimSpec.model_validate(_valid())
    for interval in (iv(7.9, 8.5), iv(-3, -1)):
        assert decide(spec, Profile.SMOKE, interval).status == Status.PIPELINE_OK


def test_mini_verdict_uses_the_mini_comparison_speaks_for_a_proxy_and_carries_its_note():
    spec = ClaimSpec.model_validate(_valid())
    v = decide(spec, Profile.MINI, iv(0.5, 1.5))
    assert v.status == Status.CONSISTENT and v.comparison == "positive" and v.fidelity == "proxy"
    assert "Directional only" in v.note
    full = decide(spec, Profile.FULL, t_iv(0.5, 1.5))
    assert full.status == Status.PARTIAL and full.fidelity == "claim"


@pytest.mark.parametrize(
    ("interval", "mini", "full"),
    [
        (t_iv(0.5, 1.5), Status.CONSISTENT, Status.PARTIAL),
        (t_iv(-3.0, -1.0), Status.NOT_REPLICATED, Status.REFUTED),
        (t_iv(7.9, 8.5), Status.CONSISTENT, Status.SUPPORTED),
    ],
)
def test_a_proxy_never_supports_or_refutes(interval, mini, full):
    spec = ClaimSpec.model_validate(_valid())
    assert decide(spec, Profile.MINI, interval).status == mini
    assert decide(spec, Profile.FULL, interval).status == full


def test_smoke_ignores_failed_gates_but_reports_them():
    from audit.judge.gates import Gate

    spec = ClaimSpec.model_validate(_valid())
    bad = [Gate(name="trainability", passed=False, failures=["xnli [a] in 1 of 1 seeds"])]
    v = decide(spec, Profile.SMOKE, iv(-1, 1), gates=bad)
    assert v.status == Status.PIPELINE_OK and v.gates == bad
    assert decide(spec, Profile.MINI, iv(-1, 1), gates=bad).status == Status.INVALID


def noisy(values, item_se):
    """An interval over seeds widened by item noise (a stand-in for the crossed interval's)."""
    from audit.judge.stats import Interval, summarise

    seeds = summarise(values)
    se = (seeds.se**2 + sum(s * s for s in item_se) / len(item_se) / len(values)) ** 0.5
    half = (seeds.high - seeds.mean) * se / seeds.se
    return Interval(len(values), seeds.mean, seeds.mean - half, seeds.mean + half, se=se, method="test")


def test_wide_interval_from_a_weak_design_is_underpowered():
    spec = ClaimSpec.model_validate(_valid())
    weak = decide(spec, Profile.MINI, noisy([-4.0, 1.0, 5.0], [3.0] * 3))
    assert weak.status == Status.UNDERPOWERED and weak.mde > weak.smallest_effect == 2.0
    strong = decide(spec, Profile.MINI, noisy([-0.1, 0.0, 0.1], [0.05] * 3))
    assert strong.status == Status.INCONCLUSIVE and strong.mde < 2.0  # a true null, seen clearly


def test_equivalence_uses_the_90_percent_interval():
    # 95% interval pokes out of the band [7.65, 8.75]; the 90% one (TOST at 5%) lies inside.
    from audit.judge.stats import Interval

    iv95 = Interval(3, 8.2, 7.6, 8.8, se=0.14, method="t")
    lo90, hi90 = iv95.bounds(0.90)
    assert lo90 > 7.65 and hi90 < 8.75
    assert judge(APPROX, iv95)[0] == Status.SUPPORTED


def test_holm_correction_downgrades_what_only_one_test_made_significant():
    from audit.judge.verdict import adjust

    spec = ClaimSpec.model_validate(_valid())
    alone = decide(spec, Profile.MINI, noisy([1.0, 1.2, 1.4], [0.05] * 3))
    assert alone.status == Status.CONSISTENT and alone.p_value < 0.05
    others = [alone.model_copy(update={"claim_id": f"other-{i}", "p_value": 0.5}) for i in range(20)]
    [kept] = adjust([alone], [alone])
    assert kept.status == Status.CONSISTENT and kept.p_adjusted == pytest.approx(alone.p_value)
    [corrected] = adjust([alone], [alone, *others])
    assert alone.p_value > 0.05 / 21  # p = 0.011 by hand (t = 9.5 on 2 df): significant alone, not among 21
    assert corrected.status == Status.INCONCLUSIVE and "Holm" in corrected.reason
    assert corrected.p_adjusted == pytest.approx(min(1.0, alone.p_value * 21))


def test_no_measurement_is_not_run():
    spec = ClaimSpec.model_validate(_valid())
    assert decide(spec, Profile.MINI, None, reason="why").status == Status.NOT_RUN


def _magnitude_spec() -> ClaimSpec:
    data = _valid()
    data["claimed"] = {"value": 5.4, "comparison": "approx", "precision": 0.05, "margin": 0.5}
    return ClaimSpec.model_validate(data)


def test_a_faithful_replication_of_a_single_run_magnitude_is_rarely_flagged():
    """Original: one run, SD 0.7 across seeds; replication: 5 seeds of the same: P(PARTIAL or REFUTED) <= 5%."""
    import numpy as np

    from audit.judge.stats import summarise

    spec, rng, flagged, replications = _magnitude_spec(), np.random.default_rng(16), 0, 4000
    for _ in range(replications):
        original = 5.4 + 0.7 * rng.standard_normal()
        claimed = spec.model_copy(update={"claimed": spec.claimed.model_copy(update={"value": round(original, 1)})})
        iv = summarise(list(5.4 + 0.7 * rng.standard_normal(5)))
        flagged += decide(claimed, Profile.FULL, iv).status in {Status.PARTIAL, Status.REFUTED}
    assert flagged / replications <= 0.05


def test_a_replication_far_from_the_claimed_magnitude_is_partial():
    from audit.judge.stats import summarise

    v = decide(_magnitude_spec(), Profile.FULL, summarise([1.9, 2.0, 2.1, 2.0, 2.05]))
    assert v.status == Status.PARTIAL and "replication prediction interval 5.4 ±" in v.reason
