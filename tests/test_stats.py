import pytest

from audit.stats import summarise


def test_no_values_no_interval():
    assert summarise([]) is None


def test_one_noisy_value_has_no_interval():
    iv = summarise([3.0])
    assert (iv.n, iv.mean, iv.low, iv.high, iv.has_ci) == (1, 3.0, None, None, False)


def test_one_deterministic_value_is_exact():
    iv = summarise([392702.0], deterministic=True)
    assert (iv.low, iv.high, iv.exact) == (392702.0, 392702.0, True)


def test_zero_variance_gives_a_point_interval():
    iv = summarise([2.0, 2.0, 2.0])
    assert (iv.low, iv.high, iv.exact) == (2.0, 2.0, False)


def test_t_interval_worked_by_hand():
    # mean 2, sd 1, sem 1/sqrt(3) = 0.57735; t(0.975, df=2) = 4.302653 -> half width 2.484138
    iv = summarise([1.0, 2.0, 3.0])
    assert iv.mean == 2.0
    assert iv.low == pytest.approx(2 - 2.484138, abs=1e-5)
    assert iv.high == pytest.approx(2 + 2.484138, abs=1e-5)
