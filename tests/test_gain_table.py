"""The judge's gain table: built from item outcomes, its mean is the headline the experiment recorded."""

from __future__ import annotations

import numpy as np
import pytest

from audit.judge import gain_table
from audit.run.records import Cell, Item


def _cell(arm, role, task, lang, right: list[int], against="", den=None) -> Cell:
    items = [Item(id=str(i), num=float(r), den=1.0 if den is None else den[i]) for i, r in enumerate(right)]
    return Cell(arm=arm, role=role, against=against, task=task, language=lang, items=items)


def test_pseudo_values_average_to_the_ratio_score():
    cell = _cell("a", "reference", "panx", "de", [2, 0, 4, 1], den=[2.0, 3.0, 4.0, 1.0])
    assert np.mean(list(gain_table.pseudo_values(cell).values())) == pytest.approx(cell.score)


def test_the_table_mean_is_the_headline_formula():
    """Two arms, two tasks with 1 and 2 languages: mean over arms of mean over tasks of mean over languages."""
    rng = np.random.default_rng(0)

    def draw(n=20):
        return list(rng.integers(0, 2, n))

    cells = []
    for task, langs in (("xnli", ["de", "fr"]), ("pawsx", ["de"])):
        for lang in langs:
            cells.append(_cell("base", "reference", task, lang, draw()))
            cells += [_cell(arm, "treated", task, lang, draw(), against="base") for arm in ("mnli", "qqp")]
    score = {(c.arm, c.task, c.language): c.score for c in cells}

    def gain(arm, task, langs):
        return np.mean([score[(arm, task, lang)] - score[("base", task, lang)] for lang in langs])

    expected = np.mean(
        [np.mean([gain(arm, "xnli", ["de", "fr"]), gain(arm, "pawsx", ["de"])]) for arm in ("mnli", "qqp")]
    )
    table = gain_table.table({0: cells, 1: cells})
    assert table.values.mean(axis=1) == pytest.approx([expected, expected])
    assert set(table.strata) == {"xnli", "pawsx"} and ("xnli", "3") in table.clusters


def test_best_per_target_chooses_on_one_half_and_measures_on_the_other():
    # Arm 'lucky' beats the reference on exactly the first-half items and loses on the others.
    ids = [str(i) for i in range(200)]
    first = {i for i in ids if gain_table.half_of("xnli", i) == 0}
    ref = _cell("base", "reference", "xnli", "de", [0] * 200)
    lucky = _cell("lucky", "treated", "xnli", "de", [int(i in first) for i in ids], against="base")
    steady = _cell("steady", "treated", "xnli", "de", [int(k % 10 == 0) for k in range(200)], against="base")
    table = gain_table.table({0: [ref, lucky, steady], 1: [ref, lucky, steady]}, select=gain_table.BEST)
    assert "xnli: lucky" in table.note
    assert table.values.mean() == pytest.approx(0.0)  # lucky's gain, measured where it was not chosen


def test_a_smoke_run_headline_equals_its_gain_table_mean(tmp_path):
    from audit.judge.ci import with_params
    from audit.profiles import Profile
    from audit.run.records import read_records
    from audit.run.runner import run_once
    from audit.settings import Settings
    from audit.synthesis.claims import load_all
    from tests.conftest import CLAIMS, SHARED
    from tests.test_determinism import SMALL

    if not (SHARED / "data").is_dir():
        pytest.skip("data pack not found")
    spec = with_params(load_all(CLAIMS)["squad-gain"], Profile.SMOKE, SMALL)
    settings = Settings(store=tmp_path / "audit.duckdb", claims_dir=CLAIMS, data_dir=SHARED / "data")
    for seed in (0, 1):
        run_once(spec, Profile.SMOKE, seed, settings)
    records = sorted(read_records(settings.records_dir), key=lambda r: r.seed)
    headline = [next(m.value for m in r.measurements if m.metric == "avg_gain" and m.task == "*") for r in records]
    table = gain_table.table({r.seed: r.cells for r in records})
    assert any(c.against for c in records[0].cells) and table.values.shape[1] > 10
    assert table.values.mean(axis=1) == pytest.approx(headline, abs=1e-9)


def test_seeds_without_an_item_in_common_fall_back_to_seeds_only_and_say_so():
    from audit.run.verify import interval_of

    seed0 = [
        _cell("base", "reference", "xnli", "de", [1, 0, 1]),
        _cell("m", "treated", "xnli", "de", [1, 1, 1], "base"),
    ]
    seed1 = [
        _cell("base", "reference", "xnli", "fr", [1, 0, 1]),
        _cell("m", "treated", "xnli", "fr", [1, 1, 0], "base"),
    ]
    iv = interval_of({0: seed0, 1: seed1}, [33.3, 0.0], False, {})
    assert "no evaluation item in common" in iv.note and "item noise not measured" in iv.method
