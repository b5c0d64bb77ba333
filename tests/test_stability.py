"""The research question's experiment: the perturbation sweep, paired gains, headline, figure."""

from __future__ import annotations

import pytest

from audit.judge.verdict import Status
from audit.output.audit_report import build
from audit.profiles import Profile
from audit.run.records import Measurement
from audit.run.verify import verify
from audit.settings import Settings
from audit.store import Store
from audit.synthesis.claims import load_all
from experiments.stability import experiment as stability
from experiments.stability import perturb
from tests.conftest import CLAIMS, SHARED

REPORT = "rq-alignment-stability"


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    if not (SHARED / "data").is_dir():
        pytest.skip("data pack not found")
    settings = Settings(
        store=tmp_path_factory.mktemp("rq") / "audit.duckdb", claims_dir=CLAIMS, data_dir=SHARED / "data"
    )
    specs = [s for s in load_all(CLAIMS).values() if s.source.report == REPORT]
    return settings, {v.claim_id: v for v in verify(specs, Profile.SMOKE, 2, settings)}


def _rows(settings, run_id: str) -> list[dict]:
    with Store(settings.store, read_only=True) as store:
        return store.rows("SELECT * FROM measurements WHERE run_id = ?", [run_id])


def test_every_research_question_claim_runs_at_smoke(smoke):
    _, verdicts = smoke
    assert len(verdicts) >= 6
    for claim, v in verdicts.items():
        assert v.status == Status.PIPELINE_OK, (claim, v.reason)
        assert v.n == 2 and v.synthesis_confidence is None  # our hypotheses carry no synthesis marks


def test_the_sweep_covers_every_encoder_condition_and_language(smoke):
    settings, verdicts = smoke
    rows = _rows(settings, verdicts["mnli-tatoeba-attack"].run_ids[0])
    conds = {r["condition"] for r in rows if r["metric"] == "score[mnli]" and r["language"] == "*"}
    assert conds == {"clean", "attack@3"} | {f"{k}@{s}" for k in perturb.KINDS for s in (0.1, 0.2)}
    langs = {r["language"] for r in rows if r["metric"] == "margin_score[baseline]" and r["condition"] == "clean"}
    assert langs == {"*", "afr", "ara"}  # smoke scores the first two languages


def test_gains_are_paired_differences_of_the_drops(smoke):
    settings, verdicts = smoke
    measured = _rows(settings, verdicts["mnli-xnli-char-noise"].run_ids[1])
    rows = {(r["metric"], r["condition"]): r["value"] for r in measured if r["language"] == "*"}
    for cond in ("char@0.1", "shuffle@0.2"):
        gain = rows[("drop[baseline]", cond)] - rows[("drop[mnli]", cond)]
        assert rows[("stability_gain[mnli]", cond)] == pytest.approx(gain)
    assert rows[("stability_gain", "")] == pytest.approx(rows[("stability_gain[mnli]", "char@0.1")])


def test_realised_rates_are_recorded_and_the_attack_keeps_its_budget(smoke):
    settings, verdicts = smoke
    rows = [r for r in _rows(settings, verdicts["mnli-tatoeba-attack"].run_ids[0]) if r["metric"] == "rate[mnli]"]
    rates = {r["condition"]: r["value"] for r in rows}
    assert rates["char@0.2"] == pytest.approx(0.2, abs=0.08)
    assert 0 < rates["attack@3"] <= 0.5  # at most 3 edits in sentences of several words


def test_a_second_run_is_served_from_the_stage_cache(smoke):
    settings, verdicts = smoke
    spec = load_all(CLAIMS)["mnli-xnli-char-noise"]
    again = verify([spec], Profile.SMOKE, 1, settings)[0]
    rows = {r["metric"]: r["value"] for r in _rows(settings, again.run_ids[0]) if r["condition"] == ""}
    assert rows["train_steps"] == 0 and rows["stages_run"] == 0
    assert again.mean == pytest.approx(_rows_value(settings, verdicts["mnli-xnli-char-noise"].run_ids[0]))


def _rows_value(settings, run_id: str) -> float:
    return next(r["value"] for r in _rows(settings, run_id) if r["metric"] == "stability_gain" and r["condition"] == "")


def test_the_figure_draws_as_png_but_a_report_never_plots_smoke(smoke, tmp_path):
    """Smoke proves the pipeline (issue #33): its values are not drawn as evidence. The drawer still works."""
    import experiments
    from audit import registry
    from audit.store import Store

    settings, _ = smoke
    assert build(settings, Profile.SMOKE).figures == []
    with Store.reader(settings.store) as store:
        rows = store.sweep("alignment-stability", "smoke")
    figure = tmp_path / "alignment-stability-smoke.png"
    assert registry.load(experiments.FIGURES.entries["alignment-stability"])(rows, figure)
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- the arithmetic, without a model ---------------------------------------------------------
def _lang(clean: float, noisy: float) -> dict:
    return {"clean": {"score": clean, "rate": 0.0}, "char@0.1": {"score": noisy, "rate": 0.1, "ref": {"score": clean}}}


def test_drops_and_gains_from_hand_made_scores():
    measured = stability._measure("baseline", "xnli", {"de": _lang(80, 70), "fr": _lang(60, 40)})
    measured += stability._measure("mnli", "xnli", {"de": _lang(82, 80), "fr": _lang(62, 58)})
    measured += stability._gains(measured, ["mnli"])
    value = {(m.metric, m.condition): m.value for m in measured if m.language == "*"}
    assert value[("drop[baseline]", "char@0.1")] == 15  # (10 + 20) / 2
    assert value[("drop[mnli]", "char@0.1")] == 3  # (2 + 4) / 2
    assert value[("stability_gain[mnli]", "char@0.1")] == 12
    hypothesis = stability.Hypothesis(task="xnli", condition="char@0.1", encoder="mnli")
    head = stability._headline("stability_gain", hypothesis, measured)
    assert head == Measurement(metric="stability_gain", value=12, split="dev")


def test_a_hypothesis_on_an_unmeasured_condition_is_unverifiable():
    from audit.errors import Unverifiable

    with pytest.raises(Unverifiable, match="did not measure"):
        stability._headline("g", stability.Hypothesis(task="xnli", condition="blur@0.1", encoder="mnli"), [])


def test_a_score_that_never_moves_is_flagged():
    measured = stability._measure("baseline", "pawsx", {"de": _lang(59.75, 59.75)})
    measured += stability._measure("mnli", "pawsx", {"de": _lang(60, 55)})
    assert stability.flat(measured) == [
        "pawsx [baseline]: the score is 59.75 under every condition (a one-class target model?)"
    ]


def test_a_retrieval_claim_of_the_research_question_is_not_applicable_to_the_proxy(settings):
    """Issue #31: the proxy's sentence alignment predates intermediate training, so it cannot answer for it."""
    from dataclasses import replace

    from audit.judge.verdict import Status
    from audit.profiles import Profile
    from audit.run.verify import verify
    from audit.synthesis.claims import load_all
    from tests.conftest import SHARED

    spec = load_all(settings.claims_dir)["mnli-tatoeba-char-noise"]
    [v] = verify([spec], Profile.MINI, 1, replace(settings, data_dir=SHARED / "data"))
    assert v.status == Status.NOT_APPLICABLE and "multilingual-e5-small is trained contrastively" in v.reason
