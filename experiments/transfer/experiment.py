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

Stages (the encoder, each intermediate checkpoint, each target model, each language's
score) are cached by content hash, so one intermediate checkpoint serves every target
and every claim, and a finished stage costs nothing the second time.
"""

from __future__ import annotations

from audit.contract import Cell, Measurement, RunContext, Unverifiable, experiment
from experiments.toolkit.tasks import Task, get
from experiments.toolkit.training import quiet
from experiments.transfer import headline
from experiments.transfer.params import SMOKE_MODEL, TransferParams
from experiments.transfer.pipeline import BASELINE, Encoder, Pipeline, stage_cache

__all__ = ["BASELINE", "EXPERIMENT", "SMOKE_MODEL", "Encoder", "Pipeline", "TransferParams", "run", "stage_cache"]


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

    - no-intermediate: each intermediate task's encoder against the untouched encoder;
    - mix: one encoder trained on the mix of the intermediate tasks, against the untouched one;
    - intermediate-plus-mlm: each task's encoder against the same task mixed with masked-LM.
    """
    inters = pipe.available(pipe.params.intermediate)
    if pipe.params.mix:
        return {"mix": (pipe.mixed(base, inters), BASELINE, lambda: base)}
    if pipe.params.compare == "intermediate-plus-mlm":
        return {
            t.name: (pipe.intermediate(base, t), f"{t.name}+mlm", lambda t=t: pipe.mixed(base, [t], mlm=True))
            for t in inters
        }
    return {t.name: (pipe.intermediate(base, t), BASELINE, lambda: base) for t in inters}


def _scored(name: str, scores: dict[str, dict[str, float]]) -> list[Measurement]:
    return [
        Measurement(metric=f"score[{name}]", task=t, language=lang, value=v, split="dev")
        for t, by_lang in scores.items()
        for lang, v in by_lang.items()
    ]


def run(ctx: RunContext) -> list[Measurement]:
    quiet()
    params: TransferParams = ctx.params
    check_params(params)
    pipe = Pipeline(ctx, params, stage_cache(ctx))
    targets = pipe.applicable([get(t) for t in params.targets])
    base = pipe.base()
    plan: dict[str, str] = {}  # arm -> the arm its gain is measured against
    out: list[Measurement] = []
    for arm, (enc, ref_name, reference) in _arms(pipe, base).items():
        if ref_name not in plan.values():
            out += _scored(ref_name, {t.name: pipe.target_score(reference(), t, ref_name) for t in targets})
        out += _scored(arm, {t.name: pipe.target_score(enc, t, arm, against=ref_name) for t in targets})
        plan[arm] = ref_name
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
    gains = headline.gains(headline.scores_of(cells), plan, names)
    per_arm = {arm: float(headline.value({arm: g}, names, None)) for arm, g in gains.items()}
    return [
        *[
            Measurement(metric=f"gain[{arm}]", task=t, value=float(v), split="dev")
            for arm, g in gains.items()
            for t, v in g.items()
        ],
        Measurement(metric=metric, value=float(headline.value(gains, names, select)), split="dev"),
        Measurement(metric="positive_share", value=sum(v > 0 for v in per_arm.values()) / len(per_arm), split="dev"),
    ]


EXPERIMENT = experiment("xtreme-transfer", TransferParams, run)
