"""Experiments for tests: they exercise runner, store and verdicts without ML code.

Values depend on params and the seed only, so each test knows what was measured.
"""

from pydantic import ConfigDict

from audit.contract import Measurement, NotApplicable, Params, Unverifiable, experiment


class FakeParams(Params):
    """The fakes' own params; the bound spec's transfer params ride along unread."""

    model_config = ConfigDict(extra="allow", frozen=True)
    values: list[float] = [0.0]
    bad_seed: int | None = None
    sleep: float = 1.0


def _per_seed(ctx):
    values = ctx.params.values
    return [
        Measurement(metric=ctx.spec.metric.name, value=values[ctx.seed % len(values)]),
        Measurement(metric="score", value=1.0, task="xnli", language="de", split="dev"),
    ]


def _missing_data(ctx):
    raise Unverifiable("MNLI train split is not in the data pack (english/mnli holds dev only)")


def _proxy_cannot(ctx):
    raise NotApplicable("the proxy lacks the mechanism the claim is about")


def _broken(ctx):
    raise RuntimeError("boom")


def _no_headline(ctx):
    return [Measurement(metric="other", value=1.0)]


def _dies(ctx):
    import os

    if ctx.seed == 1:
        import time

        time.sleep(2)  # seed 0's run, in the other worker, finishes first
        os._exit(3)  # a worker process killed outright, as the OOM killer would
    return _per_seed(ctx)


def _gated(ctx):
    """A gain with item outcomes: the treated arm sits at one class in seed ``ctx.params.bad_seed`` (-1: all)."""
    from audit.run.records import Cell, Item

    bad = ctx.params.bad_seed in (ctx.seed, -1)  # -1: every seed

    def cell(arm, role, right, one_class=False):
        return Cell(
            arm=arm,
            role=role,
            against="baseline" if role == "treated" else "",
            task="xnli",
            language="de",
            trivial=100 / 3,
            items=[Item(id=str(i), num=float(i < right), pred="0" if one_class else str(i % 3)) for i in range(90)],
        )

    ctx.cells += [cell("baseline", "reference", 60), cell("mnli", "treated", 30 if bad else 72, one_class=bad)]
    gain = (30 if bad else 72) / 0.9 - 60 / 0.9
    return [Measurement(metric=ctx.spec.metric.name, value=gain)]


def _sleepy(ctx):
    """Slow enough to be killed mid-run: a run that takes ``params.sleep`` seconds."""
    import time

    time.sleep(ctx.params.sleep)
    return _per_seed(ctx)


def _reports(ctx):
    """Reports three steps of work, as a training stage would."""
    from audit.run import progress

    progress.current().begin("fake work", 3)
    for _ in range(3):
        progress.current().advance()
    return _per_seed(ctx)


def _staged(ctx):
    """Two stages through the real stage cache: one that trains, one that scores what it trained.

    The first attempt at training waits ``params.sleep`` seconds with its process id in the stage
    folder, so a test can kill that process mid-stage; a retry finds the attempt and goes on.
    """
    from experiments.toolkit.stages import StageCache

    cache = StageCache(ctx.cache_dir, "fake-staged")
    trained = cache.run("train", {"seed": ctx.seed}, lambda folder: _train(folder, ctx.seed, ctx.params.sleep))
    scored = cache.run("score", {"seed": ctx.seed}, lambda _f: {"value": trained.output["value"] * 2}, [trained.key])
    return [Measurement(metric=ctx.spec.metric.name, value=scored.output["value"])]


def _train(folder, seed: int, sleep: float) -> dict:
    import os
    import time

    first = not list(folder.glob("attempt-*"))
    (folder / f"attempt-{os.getpid()}").touch()
    if first:
        time.sleep(sleep)
    return {"value": float(seed + 1)}


def _stage_fails(ctx):
    """A stage that raises wherever it runs."""
    from experiments.toolkit.stages import StageCache

    def fail(_folder):
        raise RuntimeError("disk quota exceeded\nwhile writing the model")

    StageCache(ctx.cache_dir, "fake-staged").run("train", {"seed": ctx.seed}, fail)
    return _per_seed(ctx)


def _skips_a_language(ctx):
    """A scoring stage that is Unverifiable wherever it runs (no data for 'xx'), skipped as runs skip a language."""
    import contextlib

    from experiments.toolkit.stages import StageCache

    cache = StageCache(ctx.cache_dir, "fake-staged")

    def missing(_folder):
        raise Unverifiable("no data for 'xx'")

    with contextlib.suppress(Unverifiable):
        cache.run("score", {"lang": "xx", "seed": ctx.seed}, missing)
    scored = cache.run("score", {"lang": "de", "seed": ctx.seed}, lambda _f: {"value": 1.0})
    return [Measurement(metric=ctx.spec.metric.name, value=scored.output["value"])]


def _flaky(ctx):
    """Seed ``params.bad_seed`` raises an OSError on its first try only (a file lost in a race, say)."""
    marker = ctx.cache_dir / f"flaky-{ctx.seed}"
    if ctx.seed == ctx.params.bad_seed and not marker.exists():
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        raise OSError(39, "Directory not empty")
    return _per_seed(ctx)


def _one_seed_fails(ctx):
    """Seed ``params.bad_seed`` fails on every try while ``disk-full`` lies in the stage cache; the others measure."""
    if ctx.seed == ctx.params.bad_seed and (ctx.cache_dir / "disk-full").exists():
        raise OSError(28, "No space left on device")
    return _per_seed(ctx)


def _interrupted(ctx):
    """One stage finished, then Ctrl-C: what verify keeps for the next run."""
    from experiments.toolkit.stages import StageCache

    StageCache(ctx.cache_dir, "fake-staged").run("train", {"seed": ctx.seed}, lambda _f: {"value": 1.0})
    raise KeyboardInterrupt


per_seed = experiment("fake", FakeParams, _per_seed)
interrupted = experiment("fake", FakeParams, _interrupted)
flaky = experiment("fake", FakeParams, _flaky)
one_seed_fails = experiment("fake", FakeParams, _one_seed_fails)
skips_a_language = experiment("fake", FakeParams, _skips_a_language)
stage_fails = experiment("fake", FakeParams, _stage_fails)
staged = experiment("fake", FakeParams, _staged)
reports = experiment("fake", FakeParams, _reports)
missing_data = experiment("fake", FakeParams, _missing_data)
broken = experiment("fake", FakeParams, _broken)
proxy_cannot = experiment("fake", FakeParams, _proxy_cannot)
no_headline = experiment("fake", FakeParams, _no_headline)
dies = experiment("fake", FakeParams, _dies)
gated = experiment("fake", FakeParams, _gated)
sleepy = experiment("fake", FakeParams, _sleepy)
