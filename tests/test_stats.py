import pytest

from audit.judge.stats import summarise


def test_no_values_no_interval():
    assert summarise([]) is None


def test_one_noisy_value_has_no_interval():
    iv = summarise([3.0])
    assert (iv.n, iv.mean, iv.low, iv.high, iv.has_ci) == (1, 3.0, None, None, False)


def test_one_deterministic_value_is_exact():
    iv = summarise([392702.0], deterministic=True)
    assert (iv.low, iv.high, iv.exact) == (392702.0, 392702.0, True)


def test_identical_seeds_without_item_noise_give_no_interval_never_a_zero_width_one():
    iv = summarise([2.0, 2.0, 2.0])
    assert not iv.has_ci and "item noise was not measured" in iv.method


def test_without_item_outcomes_the_interval_is_t_over_seeds_and_says_so():
    iv = summarise([1.0, 2.0, 3.0])  # seed variance 1 over 3 seeds
    assert iv.se == pytest.approx((1 / 3) ** 0.5) and iv.df == 2
    assert "item noise not measured" in iv.method


def test_p_value_and_minimum_detectable_effect_worked_by_hand():
    from scipy import stats

    iv = summarise([1.0, 2.0, 3.0])  # mean 2, se 1/sqrt(3), df 2
    assert iv.p_value == pytest.approx(2 * stats.t.sf(2 * 3**0.5, 2))
    assert iv.mde() == pytest.approx((4.302653 + 1.060660) / 3**0.5, abs=1e-5)
    assert summarise([5.0], deterministic=True).p_value is None


def test_ratio_item_se_matches_the_binomial_for_accuracy():
    from audit.judge.stats import item_se
    from audit.run.records import Item

    items = [Item(id=str(i), num=float(i < 30)) for i in range(100)]
    assert item_se(items) == pytest.approx(100 * (0.3 * 0.7 / 99) ** 0.5)


def test_holm_adjustment_via_statsmodels():
    from audit.judge.stats import holm

    # Holm by hand: sorted 0.01, 0.02, 0.04 -> 0.03, 0.04, 0.04 (monotone), back in input order.
    assert holm([0.04, 0.01, 0.02]) == pytest.approx([0.04, 0.03, 0.04])


def test_t_interval_worked_by_hand():
    # mean 2, sd 1, sem 1/sqrt(3) = 0.57735; t(0.975, df=2) = 4.302653 -> half width 2.484138
    iv = summarise([1.0, 2.0, 3.0])
    assert iv.mean == 2.0
    assert iv.low == pytest.approx(2 - 2.484138, abs=1e-5)
    assert iv.high == pytest.approx(2 + 2.484138, abs=1e-5)
