"""``xtreme-transfer``: the paper's protocol, with every stage content-addressed.

1. Phase 1: fine-tune the encoder on an English intermediate task.
2. Phase 2: fine-tune on the target task's English training data; the encoder is handed
   over and the head re-initialised.
3. Phase 3: evaluate zero-shot in every other language of the target (retrieval targets
   skip phase 2: the encoder itself is scored).
4. The baseline runs the same protocol without phase 1. A gain is the paired difference
   with the same seed, averaged over the target tasks (and over the intermediate tasks
   when several are named, each separately).

Two variants change what phase 1 is and what it is compared with (``_arms``):
``mix: true`` trains one encoder on the mix of the intermediate tasks (multi-task, see
``experiments.toolkit.multitask``) against the untouched encoder; ``compare:
intermediate-plus-mlm`` sets each English task against the same task mixed with
masked-LM on the pack's non-English text.

``control: placebo`` (mini's design, issue #31) measures each arm against its placebo instead
of the untouched encoder: the same phase 1 on the same rows with labels cut from their inputs
(``experiments.toolkit.placebo``), so the gain is what the task's labels taught, not more
steps or its text. The untouched encoder is still scored, with its target trained twice as
long beside it (``PLATEAU``): the judge's plateau gate asks whether the reference had stopped
improving, so "more training" cannot explain a gain.

Stages (the encoder, each intermediate checkpoint, each target model, each language's
score) are cached by content hash, so one intermediate checkpoint serves every target
and every claim, and a finished stage costs nothing the second time.
"""

from __future__ import annotations

from audit.contract import Cell, Measurement, RunContext, Unverifiable, experiment
from experiments.toolkit.placebo import arm_of
from experiments.toolkit.tasks import Task, get
from experiments.toolkit.training import quiet
from experiments.transfer import headline
from experiments.transfer.params import SMOKE_MODEL, TransferParams
from experiments.transfer.pipeline import BASELINE, PLATEAU, SHUFFLED, Encoder, Pipeline, stage_cache

__all__ = [
    "BASELINE",
    "EXPERIMENT",
    "PLATEAU",
    "SMOKE_MODEL",
    "Encoder",
    "Pipeline",
    "TransferParams",
    "compare",
    "run",
    "stage_cache",
]


def check_params(params: TransferParams) -> None:
    """What no run of this experiment can measure, said before anything trains."""
    if params.split == "test":
        raise Unverifiable(
            "XTREME hides the test labels of XNLI, PAWS-X, UD-POS and PAN-X; "
            "test-set averages need a leaderboard submission"
        )
    if params.compare == "translated-intermediate":
        raise Unverifiable("needs a machine-translation model for the intermediate data; none is available offline")


def _arms(pipe: Pipeline, base: Encoder) -> dict[str, tuple[Encoder, str, object]]:
    """What is compared: arm name -> (its encoder, the reference's name, how to get the reference).

    - no-intermediate: each intermediate task's encoder against the untouched encoder (or, with
      ``control: placebo``, against its placebo);
    - mix: one encoder trained on the mix of the intermediate tasks, against the untouched one
      (or the mix's placebo);
    - intermediate-plus-mlm: each task's encoder against the same task mixed with masked-LM.
    """
    inters = pipe.available(pipe.params.intermediate)
    placebo = pipe.params.control == "placebo"
    if pipe.params.mix:
        ref = (
            (arm_of("mix"), lambda: pipe.mixed(base, inters, labels=SHUFFLED)) if placebo else (BASELINE, lambda: base)
        )
        return {"mix": (pipe.mixed(base, inters), *ref)}
    if pipe.params.compare == "intermediate-plus-mlm":
        return {
            t.name: (pipe.intermediate(base, t), f"{t.name}+mlm", lambda t=t: pipe.mixed(base, [t], mlm=True))
            for t in inters
        }
    if placebo:
        return {
            t.name: (pipe.intermediate(base, t), arm_of(t.name), lambda t=t: pipe.intermediate(base, t, SHUFFLED))
            for t in inters
        }
    return {t.name: (pipe.intermediate(base, t), BASELINE, lambda: base) for t in inters}


def compare(pipe: Pipeline, base: Encoder, targets: list[Task]) -> dict[str, str]:
    """Every arm on every target, in the run's order (the planner walks the same); arm -> its reference."""
    plan: dict[str, str] = {}
    for arm, (enc, ref_name, reference) in _arms(pipe, base).items():
        if ref_name not in plan.values():
            ref = reference()
            for t in targets:
                pipe.target_score(ref, t, ref_name)
        for t in targets:
            pipe.target_score(enc, t, arm, against=ref_name)
        plan[arm] = ref_name
    if pipe.params.control == "placebo":
        _plateau(pipe, base, targets)
    return plan


def _plateau(pipe: Pipeline, base: Encoder, targets: list[Task]) -> None:
    """The untouched encoder on every target, and each trained target again at twice the steps."""
    for t in targets:
        pipe.target_score(base, t, BASELINE)
        if t.format != "parallel":  # retrieval trains nothing: there is no schedule to plateau
            pipe.target_score(base, t, PLATEAU, against=BASELINE, role="plateau")


def _scored(cells: list[Cell]) -> list[Measurement]:
    """Every arm's score on every target and language (the checkpoints' own-task checks left out)."""
    return [
        Measurement(metric=f"score[{arm}]", task=t, language=lang, value=v, split="dev")
        for (arm, t, lang), v in headline.scores_of(cells).items()
    ]


def run(ctx: RunContext) -> list[Measurement]:
    quiet()
    params: TransferParams = ctx.params
    check_params(params)
    pipe = Pipeline(ctx, params, stage_cache(ctx))
    targets = pipe.applicable([get(t) for t in params.targets])
    plan = compare(pipe, pipe.base(), targets)  # arm -> the arm its gain is measured against
    out = _scored(pipe.cells)
    ctx.cells.extend(pipe.cells)
    ctx.notes.extend(pipe.notes)
    ctx.notes.extend(
        f"{t}: not scored in {', '.join(sorted(set(langs)))} (neither in the data pack nor reachable on the hub)"
        for t, langs in sorted(pipe.missing.items())
    )
    counts = {
        "train_steps": pipe.steps,
        "training_stages": pipe.trainings,
        "stages_cached": pipe.cache.hits,
        "stages_run": pipe.cache.runs,
    }
    return (
        out
        + _headline(ctx, params, pipe.cells, plan, targets)
        + [Measurement(metric=k, value=v) for k, v in counts.items()]
    )


def _headline(
    ctx: RunContext, params: TransferParams, cells: list[Cell], plan: dict[str, str], targets: list[Task]
) -> list[Measurement]:
    """Per-arm gains, the headline, and the share of arms that gained (the judge measures the noise itself)."""
    names, select, metric = [t.name for t in targets], params.select, ctx.spec.metric.name
    scores = headline.scores_of(cells)
    gains = headline.gains(scores, plan, names)
    per_arm = {arm: float(headline.value({arm: g}, names, None)) for arm, g in gains.items()}
    out = [
        *_per_task("gain", gains),
        Measurement(metric=metric, value=float(headline.value(gains, names, select)), split="dev"),
        Measurement(metric="positive_share", value=sum(v > 0 for v in per_arm.values()) / len(per_arm), split="dev"),
    ]
    if params.control == "placebo":  # beside the headline: each arm over the untouched encoder, and the plateau
        out += _per_task("gain_over_untouched", headline.gains(scores, dict.fromkeys(plan, BASELINE), names))
        trained = [t.name for t in targets if t.format != "parallel"]
        out += _per_task("plateau_shift", headline.gains(scores, {PLATEAU: BASELINE}, trained))
    return out


def _per_task(name: str, gains: dict[str, dict[str, float]]) -> list[Measurement]:
    return [
        Measurement(metric=f"{name}[{arm}]", task=t, value=float(v), split="dev")
        for arm, g in gains.items()
        for t, v in g.items()
    ]


EXPERIMENT = experiment("xtreme-transfer", TransferParams, run)
