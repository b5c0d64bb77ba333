"""One stage of a resolved ``xtreme-transfer`` plan, computed on its own: what a Ray task runs.

The plan (``audit.run.plan.RunPlan``) names each stage's key, the keys it consumes and its
values, so a stage can be computed from its plan entry alone: its inputs are read back
from the stage cache (an executor ran them first), and nothing else of the run is walked.
The stage is computed by the same ``Pipeline`` method a run calls, so it hashes the same
spec to the same key and computes the same bits; a stage whose key comes out otherwise
is an error, never a silent other stage.
"""

from __future__ import annotations

from collections.abc import Callable

from audit.contract import scheduling
from experiments.toolkit.tasks import get
from experiments.transfer import experiment as transfer
from experiments.transfer.pipeline import GOLD, PLATEAU, Encoder, Pipeline
from experiments.transfer.smoke import SMOKE_TOKENIZER

TRAINED = {"intermediate", "intermediate-mix"}  # stages whose encoder sits in their folder's model/
OWN = {"smoke-tokenizer", "smoke-encoder"}  # stages that build the smoke encoder itself


def compute(ctx, stages: list[dict], key: str) -> None:
    """Compute stage ``key`` of a run whose plan lists ``stages`` (its inputs are done and cached)."""
    transfer.check_params(ctx.params)
    pipe = Pipeline(ctx, ctx.params, transfer.stage_cache(ctx))
    by_key = {k: s for s in stages for k in s["keys"]}
    row = by_key[key]
    try:
        with scheduling.only({key}):
            STEPS[row["stage"]](pipe, row, key, _input(pipe, by_key, row))
    except scheduling.StageNeeded as other:  # the plan and the code disagree: a bug, said as one
        raise RuntimeError(f"stage {row['stage']} {row['task']} ({key[:12]}) needed {other.label}") from None
    if not pipe.cache.done(key):
        raise RuntimeError(f"stage {row['stage']} {row['task']} ({key[:12]}): its plan entry computed another key")


def _input(pipe: Pipeline, by_key: dict, row: dict) -> Encoder | None:
    """The encoder a stage starts from: the stage it consumes, else the hub's model (None: it needs none)."""
    if row["stage"] in OWN:
        return None
    if not row["inputs"]:
        return pipe.base()
    key = row["inputs"][0]
    folder = pipe.cache.root / key
    return Encoder(key, str(folder / "model" if by_key[key]["stage"] in TRAINED else folder))


def _tokenizer(pipe: Pipeline, row: dict, key: str, enc: None) -> None:
    pipe.cache.run("smoke-tokenizer", SMOKE_TOKENIZER, pipe._smoke_tokenizer)


def _mix(pipe: Pipeline, row: dict, key: str, enc: Encoder) -> None:
    names = row["values"]["tasks"]
    pipe.mixed(enc, [get(n) for n in names if n != "mlm"], mlm="mlm" in names, labels=_labels(row))


def _labels(row: dict) -> str:
    return row["values"].get("labels", GOLD)


def _target(pipe: Pipeline, row: dict, key: str, enc: Encoder) -> None:
    role = "plateau" if row["arm"] == PLATEAU else ""
    pipe.target_score(enc, get(row["task"]), row["arm"], role=role)


def _score(pipe: Pipeline, row: dict, key: str, enc: Encoder) -> None:
    task, lang = get(row["task"]), row["values"]["lang"][row["keys"].index(key)]
    spec = pipe.score_spec(task, lang)
    pipe.cache.run("score", spec, lambda _d: pipe._retrieve(enc.source, task, lang), inputs=[enc.key])


STEPS: dict[str, Callable] = {
    "smoke-tokenizer": lambda pipe, row, key, enc: pipe.cache.run(
        "smoke-tokenizer", SMOKE_TOKENIZER, pipe._smoke_tokenizer
    ),
    "smoke-encoder": lambda pipe, row, key, enc: pipe.base(),
    "intermediate": lambda pipe, row, key, enc: pipe.intermediate(enc, get(row["task"]), _labels(row)),
    "intermediate-mix": _mix,
    "target": _target,
    "score": _score,
}
