"""Progress a person can follow (``audit.run.progress``): events from runs, stages, training steps and
scoring reach the main process, from worker processes too, and ``RunBars`` draws them."""

import io

import pytest

from audit.profiles import Profile
from audit.run import progress
from audit.run.progress import CallbackReporter, Event
from audit.run.verify import verify
from tests.test_verify import bind


@pytest.fixture
def events():
    seen: list[Event] = []
    before = progress.install(CallbackReporter(seen.append))
    yield seen
    progress.install(before)


@pytest.mark.parametrize("jobs", [1, 2])
def test_every_run_and_its_work_reach_the_main_process(monkeypatch, settings, jobs):
    spec = bind(monkeypatch, settings, "squad-gain", "reports", values=[1.0, 2.0])
    seen: list[Event] = []
    verify([spec], Profile.SMOKE, 2, settings, progress=seen.append, jobs=jobs)
    assert seen[0] == Event("runs", "main", total=2)
    sources = {"main"} if jobs == 1 else {"worker 1", "worker 2"}
    started = [e for e in seen if e.kind == "run-start"]
    assert sorted(e.label for e in started) == ["squad-gain (seed 0)", "squad-gain (seed 1)"]
    assert len([e for e in seen if e.kind == "run-end"]) == 2
    work = [e for e in seen if e.kind in {"begin", "advance"}]
    assert {e.source for e in work} <= sources and {e.source for e in started} <= sources
    assert [e.kind for e in work if e.source == work[0].source][:4] == ["begin", "advance", "advance", "advance"]
    assert progress.current().__class__ is progress.Reporter  # nothing left installed after the runs


def test_a_computed_stage_is_announced_and_a_cached_one_is_not(tmp_path, events):
    from experiments.toolkit.stages import StageCache

    cache = StageCache(tmp_path, "code")
    cache.run("target", {"task": "xnli", "seed": 0}, lambda d: {"x": 1})
    cache.run("target", {"task": "xnli", "seed": 0}, lambda d: {"x": 1})
    cache.run("score", {"task": "tatoeba", "lang": "de"}, lambda d: {"x": 2})
    assert [e.label for e in events if e.kind == "begin"] == ["target xnli", "score tatoeba de"]


def test_the_trainer_reports_every_step_under_its_stage(tmp_path, events):
    from experiments.toolkit import features, models
    from experiments.toolkit.training import fit, quiet
    from tests.tiny import build

    quiet()
    enc = build(tmp_path / "enc", ["the cat sat", "der Hund lief", "le chat dort"] * 10)
    tok = models.load_tokenizer(enc)
    rows = [{"text_a": "a cat", "text_b": "a dog", "label": i % 3} for i in range(12)]
    labels = ["entailment", "neutral", "contradiction"]
    rows = [{**r, "label": labels[r["label"]]} for r in rows]
    ds = features.encode_pair(tok, rows, labels, 16)
    model = models.with_head(enc, "sequence-classification", num_labels=3)
    progress.current().stage("target xnli")
    params = {"max_steps": 4, "batch_size": 4, "save_steps": 100, "max_length": 16, "learning_rate": 1e-4}
    fit(model, tok, ds, features.collator("sequence-classification", tok), tmp_path / "fit", params, seed=0)
    begins = [e for e in events if e.kind == "begin"]
    assert (begins[-1].label, begins[-1].total) == ("target xnli: training", 4)
    assert sum(e.advance for e in events if e.kind == "advance") == 4


def test_run_bars_draw_runs_with_an_eta_and_each_workers_stage():
    from rich.console import Console

    from audit.output.render_progress import RunBars

    out = io.StringIO()
    bars = RunBars(Console(file=out, force_terminal=True, width=140))
    with bars:
        for e in [
            Event("runs", "main", total=4),
            Event("run-start", "worker 1", "squad-gain (seed 0)"),
            Event("begin", "worker 1", "target xnli: training", 48),
            Event("advance", "worker 1", advance=12),
            Event("run-start", "worker 2", "squad-gain (seed 1)"),
            Event("run-end", "worker 1", "squad-gain (seed 0)"),
        ]:
            bars(e)
        bars.bars.refresh()
        text = out.getvalue()
    assert "runs (claim x seed)" in text and "1/4" in text and "ETA" in text
    assert "worker 1: squad-gain (seed 0) · target xnli: training" in text and "12/48" in text
    assert "worker 2: squad-gain (seed 1)" in text
