import math

import pytest

from audit.judge.calibration import calibrate
from audit.judge.verdict import Status, Verdict


def v(status, verified, confidence, fidelity="claim"):
    return Verdict(
        claim_id="c",
        profile="full",
        status=status,
        fidelity=fidelity,
        synthesis_verified=verified,
        synthesis_confidence=confidence,
    )


def test_brier_and_agreement_worked_by_hand():
    verdicts = [
        v(Status.SUPPORTED, True, 0.2),  # outcome 1: (0.2-1)^2 = 0.64, agrees
        v(Status.REFUTED, True, 0.1),  # outcome 0: 0.01, disagrees
        v(Status.PARTIAL, False, 0.15),  # outcome 0: 0.0225, agrees
        v(Status.NOT_RUN, True, 0.9),  # undecided: ignored
        v(Status.PIPELINE_OK, True, 0.9, "pipeline"),  # smoke: ignored
        v(Status.CONSISTENT, True, 0.9, "proxy"),  # a proxy never labels the claim
        v(Status.SUPPORTED, True, 0.9, "proxy"),  # nor does any verdict at proxy fidelity
    ]
    cal = calibrate(verdicts, need=3)
    assert (cal.decided, cal.agree, cal.estimable) == (3, 2, True)
    assert cal.brier == pytest.approx((0.64 + 0.01 + 0.0225) / 3)
    filled = {(b.low, b.high): (b.n, b.observed) for b in cal.bins if b.n}
    assert filled == {(0.1, 0.2): (2, 0.0), (0.2, 0.3): (1, 1.0)}


def test_below_the_minimum_it_is_not_estimable_and_says_how_many():
    cal = calibrate([v(Status.SUPPORTED, True, 0.8)] * 4)
    assert not cal.estimable and cal.brier is None
    assert cal.status_line == "not estimable (4 labelled, need 30)"


def test_decomposition_and_reference_forecasters():
    # 40 claims: 20 at confidence 0.8 (15 hold), 20 at 0.3 (5 hold): base rate 0.5.
    vs = [v(Status.SUPPORTED if i < 15 else Status.REFUTED, True, 0.8) for i in range(20)]
    vs += [v(Status.SUPPORTED if i < 5 else Status.REFUTED, False, 0.3) for i in range(20)]
    cal = calibrate(vs)
    rel = (20 * (0.8 - 0.75) ** 2 + 20 * (0.3 - 0.25) ** 2) / 40
    res = (20 * (0.75 - 0.5) ** 2 + 20 * (0.25 - 0.5) ** 2) / 40
    assert (cal.reliability, cal.resolution, cal.uncertainty) == pytest.approx((rel, res, 0.25))
    # One forecast per bin, so Murphy's identity is exact: Brier = REL - RES + UNC.
    assert cal.brier == pytest.approx(rel - res + 0.25)
    assert cal.base_rate.brier == pytest.approx(0.25) and cal.base_rate.log_loss == pytest.approx(math.log(2))
    assert cal.always_yes.brier == pytest.approx(0.5) and math.isinf(cal.always_yes.log_loss)
    assert cal.brier < cal.base_rate.brier  # this synthesizer's confidence carries information
    # AUC: of the 20 x 20 (holds, fails) pairs, 15 x 15 rank the holding claim higher (0.8 vs 0.3),
    # and 15 x 5 at 0.8 and 5 x 15 at 0.3 tie (half each): (225 + 0.5 x 150) / 400 = 0.75.
    assert cal.auc == pytest.approx((15 * 15 + 0.5 * (15 * 5 + 5 * 15)) / 400)
    assert cal.agreement == pytest.approx(30 / 40)  # 15 ✓ that hold, 15 × that fail
    low, high = cal.agreement_ci
    assert low < 0.75 < high and high - low == pytest.approx(0.26, abs=0.02)  # Wilson, n = 40
    assert "AUC 0.75" in cal.status_line and "agreement 0.75" in cal.status_line


def test_the_agreement_interval_covers_the_true_rate_95_percent_of_the_time():
    import numpy as np

    from audit.judge.calibration import wilson

    rng = np.random.default_rng(6)
    hits = sum(lo <= 0.7 <= hi for lo, hi in (wilson(int(rng.binomial(40, 0.7)), 40) for _ in range(4000)))
    assert 0.93 <= hits / 4000 <= 0.97


def test_confidence_that_separates_perfectly_has_auc_one_and_none_without_both_outcomes():
    from audit.judge.calibration import auc

    assert auc([(0.9, 1), (0.8, 1), (0.2, 0)]) == 1.0
    assert auc([(0.9, 1), (0.8, 1)]) is None


def test_confidence_one_lands_in_the_top_bin():
    cal = calibrate([v(Status.SUPPORTED, True, 1.0)], need=1)
    assert cal.bins[-1].n == 1 and cal.brier == 0.0


def test_nothing_decided():
    cal = calibrate([v(Status.NOT_RUN, True, 0.5)])
    assert (cal.decided, cal.brier, cal.agreement) == (0, None, None)
