import pytest

from audit.calibration import calibrate
from audit.verdict import Status, Verdict


def v(status, verified, confidence):
    return Verdict(claim_id="c", profile="mini", status=status,
                   synthesis_verified=verified, synthesis_confidence=confidence)  # fmt: skip


def test_brier_and_agreement_worked_by_hand():
    verdicts = [
        v(Status.SUPPORTED, True, 0.2),  # outcome 1: (0.2-1)^2 = 0.64, agrees
        v(Status.REFUTED, True, 0.1),  # outcome 0: 0.01, disagrees
        v(Status.PARTIAL, False, 0.15),  # outcome 0: 0.0225, agrees
        v(Status.NOT_RUN, True, 0.9),  # undecided: ignored
        v(Status.PIPELINE_OK, True, 0.9),  # smoke: ignored
    ]
    cal = calibrate(verdicts)
    assert (cal.decided, cal.agree) == (3, 2)
    assert cal.brier == pytest.approx((0.64 + 0.01 + 0.0225) / 3)
    filled = {(b.low, b.high): (b.n, b.observed) for b in cal.bins if b.n}
    assert filled == {(0.1, 0.2): (2, 0.0), (0.2, 0.3): (1, 1.0)}


def test_confidence_one_lands_in_the_top_bin():
    cal = calibrate([v(Status.SUPPORTED, True, 1.0)])
    assert cal.bins[-1].n == 1 and cal.brier == 0.0


def test_nothing_decided():
    cal = calibrate([v(Status.NOT_RUN, True, 0.5)])
    assert (cal.decided, cal.brier, cal.agreement) == (0, None, None)
