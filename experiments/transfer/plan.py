"""``audit plan`` for ``xtreme-transfer``: the stages a run would compute, computing none.

The planner is the run's own ``Pipeline`` with the three stage-computing steps replaced
by bookkeeping: the same arms (``transfer._arms``), the same stage specs and the same
keys, so what it lists is what ``audit verify`` would run, and a stage it marks done is
one the run will read back. For each stage it says where the data comes from at this
profile (a pack file, a hub split, a stand-in, or why neither serves) and the schedule
that would train it. It reads no data, downloads nothing and loads no model.
"""

from __future__ import annotations

from pathlib import Path

from audit.contract import OUTCOMES, Unverifiable, outcome_of
from experiments.toolkit.placebo import arm_of
from experiments.toolkit.tasks import Task, gate_policy, get, registry, sources_of, unservable
from experiments.transfer import experiment as transfer
from experiments.transfer.experiment import BASELINE, Encoder, Pipeline
from experiments.transfer.pipeline import GOLD
from experiments.transfer.smoke import SMOKE_TOKENIZER


class Planner(Pipeline):
    """A Pipeline that lists stages instead of computing them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.planned: list[dict] = []

    def available(self, names: list[str]) -> list[Task]:
        """The run's choice (``Pipeline.available``), made from where the data is, reading none."""
        tasks = []
        for task in self.learnable([get(name) for name in names]):
            if why := unservable(task, "train", "en", self.ctx):
                self.notes.append(f"intermediate {task.name} skipped: {why}")
            else:
                tasks.append(task)
        if not tasks:
            raise Unverifiable("no named intermediate task has training data here")
        return tasks

    def base(self) -> Encoder:
        if self.params.model != transfer.SMOKE_MODEL:
            return super().base()
        tok = self._list("smoke-tokenizer", SMOKE_TOKENIZER, [], BASELINE, [])
        key = self._list("smoke-encoder", self.smoke_encoder_spec(), [tok], BASELINE, [])
        return Encoder(key, str(self.cache.root / key))

    def intermediate(self, base: Encoder, task: Task, labels: str = GOLD) -> Encoder:
        arm = task.name if labels == GOLD else arm_of(task.name)
        key = self._list("intermediate", self.intermediate_spec(task, labels), [base.key], arm, [task])
        return Encoder(key, str(self.cache.root / key / "model"))

    def mixed(self, base: Encoder, tasks: list[Task], mlm: bool = False, labels: str = GOLD) -> Encoder:
        spec = self.mix_spec(tasks, mlm, labels)
        arm = "+".join(spec["tasks"])
        key = self._list("intermediate-mix", spec, [base.key], arm if labels == GOLD else arm_of(arm), tasks)
        return Encoder(key, str(self.cache.root / key / "model"))

    def target_score(self, enc: Encoder, task: Task, arm: str = BASELINE, against: str = "", role: str = "") -> dict:
        langs = self.languages(task)
        why = {lang: unservable(task, "dev", lang, self.ctx) for lang in langs}  # None: a source serves it
        if task.format == "parallel":  # one scoring stage per language with data, listed as one row
            served = [lang for lang in langs if not why[lang]]
            keys = [self.cache.key("score", self.score_spec(task, lang), [enc.key]) for lang in served]
            values = {**self.score_spec(task, "*"), "lang": served}
            self._row("score", values, [enc.key], arm, keys, [], self.eval_text(task, langs))
        else:  # as the run's eval_rows: a target with no scorable language is read, not trained
            if langs and all(why.values()):
                raise Unverifiable(f"{task.name}: no evaluation language is available ({why[langs[0]]})")
            spec = self.target_spec(task, longer=role == "plateau")
            key = self.cache.key("target", spec, [enc.key])
            self._row("target", spec, [enc.key], arm, [key], [task], self.eval_text(task, langs))
        return {}

    def _list(self, name: str, spec: dict, inputs: list[str], arm: str, trains: list[Task]) -> str:
        key = self.cache.key(name, spec, inputs)
        self._row(name, spec, inputs, arm, [key], trains, "-")
        return key

    def _row(
        self, name: str, spec: dict, inputs: list[str], arm: str, keys: list[str], trains: list[Task], evaluate: str
    ) -> None:
        """One planned stage: its keys, the keys it consumes, and its spec: every value its key hashes."""
        self.planned.append(
            {
                "stage": name,
                "arm": arm,
                "task": spec.get("task") or "+".join(spec.get("tasks", [])) or "-",
                "keys": keys,
                "inputs": [k for k in inputs if k != self.params.model],  # a hub model is no stage
                "values": spec,
                "schedule": schedule_text(spec) if trains else "-",
                "tokens": training_tokens(spec, trains) if trains else None,
                "model": self.params.model,
                "length": spec.get("max_length"),
                "train": "; ".join(f"{t.name}: {self.source(t, 'train', 'en')}" for t in trains) or "-",
                "evaluate": evaluate,
            }
        )

    def source(self, task: Task, split: str, lang: str) -> str:
        return source_text(task, split, lang, self.ctx.data_dir, self.profile)

    def eval_text(self, task: Task, langs: list[str]) -> str:
        """The evaluation languages grouped by where their data would come from (pack, hub, unavailable)."""
        groups: dict[str, list[tuple[str, str]]] = {}
        for lang in langs:
            text = self.source(task, "dev", lang)
            groups.setdefault(text.split(" ", 1)[0], []).append((lang, text))
        parts = [
            f"{len(rows)} from the {kind} ({_some(rows)}), e.g. {rows[0][1]}"
            if kind != "unavailable"
            else f"{len(rows)} unavailable ({_some(rows)}): {rows[0][1][len('unavailable (') : -1]}"
            for kind, rows in groups.items()
        ]
        return "; ".join(parts) or "no language"


def _some(rows: list[tuple[str, str]]) -> str:
    return ", ".join(lang for lang, _ in rows[:4]) + (" ..." if len(rows) > 4 else "")


def source_text(task: Task, split: str, lang: str, data_dir: Path | None, profile: str) -> str:
    """Where a split would be read from at this profile (``tasks.sources_of``), without reading it."""
    found, sources, why = sources_of(task, split, lang, data_dir, profile)
    if found:
        path, entry = found
        where = path.relative_to(data_dir).as_posix() if data_dir else path.name
        return f"pack {where}" + (f" (stand-in: {entry['stand_in']})" if entry.get("stand_in") else "")
    return f"unavailable ({why})" if why else "hub " + " + ".join(s.name for s in sources)


def training_tokens(spec: dict, trains: list[Task]) -> float | None:
    """Tokens a training stage would process, every sequence padded to its length (None: size unknown).

    By epochs (full): over the tasks' training sets as the hub's cards count them; by steps
    (smoke, mini): steps x examples a step, a multiple-choice question being one sequence a choice.
    """
    length = spec.get("max_length", 128)
    if spec.get("epochs"):
        sizes = [t.train_examples * t.choices if t.train_examples else None for t in trains]
        return None if None in sizes else float(spec["epochs"] * sum(sizes) * length)
    per_step = spec.get("batch_size", 8) * spec.get("grad_accumulation", 1) * max(t.choices for t in trains)
    return float(spec.get("max_steps", 100) * per_step * length)


def schedule_text(spec: dict) -> str:
    """A training stage's schedule in one line: length, examples per optimiser step, learning rate."""
    steps = f"{spec['epochs']} epochs" if spec.get("epochs") else f"{spec.get('max_steps', 100)} steps"
    accum = spec.get("grad_accumulation", 1)
    batch = f"{spec.get('batch_size')}x{accum}" if accum > 1 else str(spec.get("batch_size"))
    examples = f", first {spec['examples']} examples" if spec.get("examples") else ""
    return f"{steps} of {batch}, lr {spec.get('learning_rate', 1e-5):g}, length {spec.get('max_length')}{examples}"


def plan(ctx) -> dict:
    """Every stage one seed's run of this claim would compute or read back, in the run's order, and its notes.

    A run that would stop measuring nothing (Unverifiable, NotApplicable) says so, with the notes
    that led there.
    """
    transfer.check_params(ctx.params)
    pipe = Planner(ctx, ctx.params, transfer.stage_cache(ctx))
    try:
        _walk(pipe, ctx.params)
    except OUTCOMES as exc:
        return {"stages": [], "notes": pipe.notes, "stopped": outcome_of(exc), "why": str(exc)}
    return {"stages": pipe.planned, "notes": pipe.notes, "gates": gates_at(pipe.profile)}


def gates_at(profile: str) -> dict:
    """The gates' thresholds a run at ``profile`` is checked with (tasks.yaml ``gates``), as the run uses them."""
    policy = gate_policy()
    return {
        "margin": policy.margin,
        "collapse_share": policy.collapse_share,
        "heldout": policy.heldout[profile],
        "floors": {t.name: t.floor[profile] for t in registry().values() if profile in t.floor},
    }


def _walk(pipe: Planner, params: transfer.TransferParams) -> None:
    """The run's own order (``transfer.compare``), every stage listed instead of computed."""
    transfer.compare(pipe, pipe.base(), pipe.applicable([get(t) for t in params.targets]))
