"""``audit plan``: the stages a full run would compute, and the data each would read, before any GPU time."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from audit.cli.main import app
from audit.profiles import Profile
from audit.run.plan import plan_claim
from audit.settings import Settings
from audit.synthesis.claims import load_all
from tests.conftest import CLAIMS, SHARED
from tests.hub_mirror import write_split


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A hub mirror with the splits a full squad-gain run needs from the hub: SQuAD v2.0 train (its phase 1)
    and TyDiQA-GoldP dev (the pack's copies carry no gold answers, and a target with no scorable
    language stops the run, so the plan says so too)."""
    write_split(tmp_path / "hub", "rajpurkar/squad_v2", "squad_v2", "train", [{"id": "q", "context": "c"}])
    write_split(tmp_path / "hub", "google/xtreme", "tydiqa", "validation", [{"id": "q", "context": "c"}])
    monkeypatch.setenv("AUDIT_HUB_MIRROR", str(tmp_path / "hub"))


@pytest.fixture
def full_plan(tmp_path, data_pack, mirror):
    settings = Settings(store=tmp_path / "audit.duckdb", claims_dir=CLAIMS, data_dir=data_pack)
    return plan_claim(load_all(CLAIMS)["squad-gain"], Profile.FULL, 3, settings)


def test_offline_without_the_hubs_split_the_plan_says_the_run_would_be_unverifiable(tmp_path, data_pack):
    settings = Settings(store=tmp_path / "audit.duckdb", claims_dir=CLAIMS, data_dir=data_pack)
    plan = plan_claim(load_all(CLAIMS)["squad-gain"], Profile.FULL, 1, settings)
    assert plan.unverifiable == "no named intermediate task has training data here" and not plan.stages
    assert "squad_v2 train [en]: rajpurkar/squad_v2 squad_v2/train needs the Hugging Face hub" in plan.notes[0]


def test_a_full_plan_trains_on_the_papers_data_with_jiants_schedules(full_plan):
    rows = {(s.seed, s.arm, s.task): s for s in full_plan.stages}
    assert {s.seed for s in full_plan.stages} == {0, 1, 2}
    xnli = rows[(0, "baseline", "xnli")]
    assert xnli.train == "xnli: hub nyu-mll/glue mnli/train"  # MNLI train, not the pack's XNLI dev half
    assert xnli.schedule.startswith("2 epochs of 4x8, lr 1e-05, length 256")
    assert rows[(0, "squad_v2", "squad_v2")].schedule.startswith("3 epochs of 4,")
    squad = rows[(0, "squad_v2", "squad_v2")].values  # tasks.yaml's full schedule, in the stage's values
    assert squad["epochs"] == 3 and squad["max_length"] == 384 and xnli.values["grad_accumulation"] == 8
    assert not any("stand-in" in s.train or "stand-in" in s.evaluate for s in full_plan.stages)
    assert "3 unavailable (de, fr, ru)" in rows[(0, "baseline", "bucc")].evaluate  # the pack has zh only


def test_each_seed_trains_its_own_models_and_the_untouched_encoder_is_scored_once(full_plan):
    trained = [s.key for s in full_plan.stages if s.stage != "score"]
    assert len(trained) == len(set(trained)) == 3 * (1 + 2 * 7)  # per seed: phase 1, and 7 targets per arm
    bucc = {s.seed: s.key for s in full_plan.stages if s.arm == "baseline" and s.task == "bucc"}
    assert len(set(bucc.values())) == 1  # xlm-roberta-large's retrieval score does not depend on the seed


def test_plan_cli_prints_the_table_and_refuses_a_one_step_experiment(tmp_path, monkeypatch, mirror):
    if not (SHARED / "data").is_dir():
        pytest.skip("data pack not found")
    monkeypatch.setenv("AUDIT_DATA_DIR", str(SHARED / "data"))
    monkeypatch.setenv("COLUMNS", "250")
    store = str(tmp_path / "a.duckdb")
    ok = CliRunner().invoke(
        app, ["--store", store, "plan", "--claim", "squad-gain", "--profile", "full", "--seeds", "1"]
    )
    assert ok.exit_code == 0, ok.output
    assert "hub rajpurkar/squad plain_text/train" in ok.output and "0 cached" in ok.output
    bad = CliRunner().invoke(app, ["--store", store, "plan", "--claim", "anli-plus-size"])
    assert bad.exit_code == 2 and "lists no stages to plan" in bad.output and "Traceback" not in bad.output


def test_a_plan_says_when_the_profiles_model_cannot_answer_the_claim(tmp_path):
    from audit.profiles import Profile
    from audit.run.plan import plan_claim
    from audit.run.records import RunStatus
    from audit.settings import Settings
    from audit.synthesis.claims import load_all
    from tests.conftest import CLAIMS

    settings = Settings(store=tmp_path / "s.duckdb", claims_dir=CLAIMS, data_dir=None)
    plan = plan_claim(load_all(CLAIMS)["retrieval-gain"], Profile.MINI, 2, settings)
    assert plan.stopped == RunStatus.NOT_APPLICABLE and plan.unverifiable is None and not plan.stages
    assert plan.why.startswith("bucc, tatoeba at mini: multilingual-e5-small is trained contrastively")


def test_a_full_plan_counts_each_trainings_tokens_from_the_hubs_sizes_and_jiants_schedule(full_plan):
    from experiments.toolkit.tasks import get

    xnli = next(s for s in full_plan.stages if (s.seed, s.arm, s.task) == (0, "baseline", "xnli"))
    settings = get("xnli").profiles["full"]
    assert xnli.tokens == settings["epochs"] * get("xnli").train_examples * settings["max_length"]
    assert all(s.tokens is None for s in full_plan.stages if s.stage == "score")


def test_the_cost_counts_a_shared_stage_once_and_needs_a_measured_throughput(full_plan, monkeypatch):
    from audit.run import plan as planning
    from experiments.toolkit import cost

    once = planning.cost([full_plan])
    assert planning.cost([full_plan, full_plan]).tokens == once.tokens > 0
    assert once.estimates == [] and "xlm-roberta-large at length 256" in once.unmeasured
    rows = (
        cost.Throughput("xlm-roberta-large", 256, "gpu X", 1000.0, "a test row"),
        cost.Throughput("xlm-roberta-large", 384, "gpu X", 500.0, "a test row"),
    )
    monkeypatch.setattr(cost, "throughputs", lambda: rows)
    [estimate] = planning.cost([full_plan]).estimates
    by_length = {n: sum(s.tokens for s in full_plan.stages if s.tokens and s.length == n) for n in (256, 384)}
    assert estimate.hours == pytest.approx((by_length[256] / 1000 + by_length[384] / 500) / 3600)


def test_plan_all_lists_every_planned_claim_and_what_it_costs(tmp_path, monkeypatch):
    if not (SHARED / "data").is_dir():
        pytest.skip("data pack not found")
    monkeypatch.setenv("AUDIT_DATA_DIR", str(SHARED / "data"))
    monkeypatch.setenv("COLUMNS", "250")
    out = CliRunner().invoke(app, ["--store", str(tmp_path / "a.duckdb"), "plan", "--all", "--seeds", "1"])
    assert out.exit_code == 0, out.output
    assert "mnli-gain at mini fidelity" in out.output and "anli-plus-size: its experiment lists no stages" in out.output
    assert "padded tokens (each shared stage once; scoring not counted)" in out.output
    assert "hours of one core of a 2-core AMD EPYC VM" in out.output  # the measured row for e5-small at length 64


def test_a_full_plan_cuts_qa_windows_as_xtreme_does(full_plan):
    """At full a QA stage's windows are XTREME's and jiant's (stride 128, questions of at most 64 tokens)."""
    cuts = {s.task: s.values["qa_window"] for s in full_plan.stages if s.task in ("squad_v2", "xquad", "mlqa")}
    assert cuts and all(c == {"doc_stride": 128, "max_question_tokens": 64} for c in cuts.values()), cuts
