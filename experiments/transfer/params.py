"""``xtreme-transfer``'s params, and what each task's stage trains with at a profile.

``TransferParams`` is the claim-level object (``audit.contract.Params``). Per stage, each
task role's schedule and the task's own settings at the profile (``experiments/toolkit/tasks.yaml``)
lay on top of the claim's training params (``task_settings``); ``audit show ID --profile P``
prints both.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Self

from pydantic import Field, model_validator

from audit.contract import AuditError, Params, Profile, Unverifiable, resolve_threads
from experiments.toolkit.tasks import Task, get, schedule
from experiments.toolkit.training import (
    ATTENTIONS,
    PRECISIONS,
    resolve_attention,
    resolve_checkpointing,
    resolve_precision,
    resolve_processes,
)

SMOKE_MODEL = "tiny-random-xlmr"


class TransferParams(Params):
    """What an ``xtreme-transfer`` run is asked to do, and at what size.

    The claim's own settings. Each task role's schedule and each task's own settings at a
    profile (``experiments/toolkit/tasks.yaml``) lay on top of them per stage (``Pipeline.task_params``).
    """

    SIZING: ClassVar[dict[Profile, dict[str, Any]]] = {
        Profile.SMOKE: {"model": SMOKE_MODEL},
        # At mini a gain is measured over a placebo, and the reference's plateau is checked (issue #31).
        Profile.MINI: {"model": "offline:multilingual-e5-small", "control": "placebo"},
        # XTREME averages each task over all its languages, English included (Hu et al. 2020, Table 2).
        Profile.FULL: {"model": "xlm-roberta-large", "english_in_average": True},
    }
    # Set even when no spec says: they enter every stage spec (the numeric regime among them).
    GIVEN: ClassVar[dict[str, Any]] = {
        "max_length": 128,
        "examples": None,
        "max_steps": 100,
        "batch_size": 8,
        "compare": "no-intermediate",
        "precision": "auto",
        "attention": "auto",
        "threads": "auto",
        "gradient_checkpointing": "auto",
        "ddp_processes": "auto",
    }

    model: str
    intermediate: list[str]
    targets: list[str]
    compare: Literal["no-intermediate", "intermediate-plus-mlm", "translated-intermediate"] = "no-intermediate"
    mix: bool = False  # one encoder trained on the mix of the intermediate tasks
    # What a gain over the untouched encoder is measured against: that encoder ('baseline'), or the
    # same phase 1 on labels cut from their inputs ('placebo', ``experiments.toolkit.placebo``),
    # with the untouched encoder's plateau checked (its target trained twice as long). None where
    # the comparison is another (``compare: intermediate-plus-mlm`` is its own control).
    control: Literal["baseline", "placebo"] | None = "baseline"
    select: Literal["best-per-target"] | None = None  # the headline: mean over arms, or each target's best arm
    split: Literal["dev", "test"] = "dev"
    # A target trained on another task's English rows, {target: task}: in the paper XNLI trains
    # on MNLI, so at mini xnli-no-gain trains XNLI on the very rows its MNLI arm trained on.
    train_on: dict[str, str] = Field(default_factory=dict)
    examples: int | None = Field(default=None, ge=1)  # training examples per task (None: all)
    eval_examples: int | None = Field(default=None, ge=1)  # evaluation items per language (unset: as examples)
    max_languages: int | None = Field(default=None, ge=1)
    english_in_average: bool = False  # score English too (XTREME's average); smoke and mini: zero-shot only
    max_steps: int = Field(default=100, ge=1)
    batch_size: int = Field(default=8, ge=1)
    max_length: int = Field(default=128, ge=8)
    learning_rate: float | None = Field(default=None, gt=0)
    warmup_ratio: float | None = Field(default=None, ge=0, le=1)
    epochs: int | float | None = Field(default=None, gt=0)
    grad_accumulation: int | None = Field(default=None, ge=1)
    freeze_embeddings: bool | None = None
    precision: Literal[PRECISIONS] = "auto"
    attention: Literal[ATTENTIONS] = "auto"
    threads: int | Literal["auto"] = "auto"
    gradient_checkpointing: bool | Literal["auto"] = "auto"
    ddp_processes: int | Literal["auto"] = "auto"  # 'auto': one per GPU of a stage's group (--gpus-per-stage)

    @model_validator(mode="before")
    @classmethod
    def _evaluate_like_training(cls, data: Any) -> Any:
        """Unless a spec says, evaluation is sized like training (the documented rule)."""
        if isinstance(data, dict) and "eval_examples" not in data and "examples" in data:
            data = {**data, "eval_examples": data["examples"]}
        return data

    @model_validator(mode="before")
    @classmethod
    def _control_of_the_comparison(cls, data: Any) -> Any:
        """A placebo replaces the untouched encoder; another comparison has its own control (None)."""
        if isinstance(data, dict) and data.get("compare", "no-intermediate") != "no-intermediate":
            data = {**data, "control": None}
        return data

    def resolved(self) -> Self:
        """'auto' precision, attention, threads, checkpointing and DDP processes as this machine runs them."""
        return self.model_copy(
            update={
                "precision": resolve_precision(self.precision),
                "attention": resolve_attention(self.attention),
                "threads": resolve_threads(self.threads),
                "gradient_checkpointing": resolve_checkpointing(self.gradient_checkpointing),
                "ddp_processes": resolve_processes(self.ddp_processes),
            }
        )

    def check_design(self, profile: Profile) -> None:
        """Every named task's role schedule at ``profile`` against what the spec set (``role_settings``),
        and each ``train_on`` pair: rows of one format and label set."""
        for name in [*self.intermediate, *self.targets]:
            try:
                task = get(name)
            except Unverifiable:  # a run says which task it lacks
                continue
            role_settings(self, profile.value, task.role)
        for target, source in self.train_on.items():
            a, b = get(target), get(source)
            if (a.format, a.labels) != (b.format, b.labels) or target not in self.targets:
                raise AuditError(
                    f"{self._claim}: train_on {target}: {source} needs a target of this claim and a task "
                    f"of the same format and labels ({a.format} {a.labels} vs {b.format} {b.labels}); fix the spec"
                )

    def numerics(self) -> dict[str, Any]:
        keys = ("precision", "attention", "threads", "gradient_checkpointing", "ddp_processes")
        return {k: getattr(self, k) for k in keys}


# What a task's own entry in tasks.yaml may size at a profile besides its training: how many
# held-out items each language scores and how many languages (PAN-X's dev sets are large).
EVAL_SIZE = ("eval_examples", "max_languages")

TRAINING_KEYS = (
    "learning_rate",
    "warmup_ratio",
    "batch_size",
    "grad_accumulation",
    "gradient_checkpointing",
    "max_steps",
    "max_length",
    "examples",
    "model",
    "freeze_embeddings",
    "epochs",
    "precision",
    "attention",
    "threads",
    "ddp_processes",
)


def task_settings(params: TransferParams, profile: str, task: Task) -> dict:
    """One task's training params: the claim's, under its role's and its own settings for this profile."""
    return {**role_settings(params, profile, task.role), **task.profiles.get(profile, {})}


def specialised(params: TransferParams, profile: str, task: Task) -> list[str]:
    """Where a task's own settings at this profile replace a value the spec set claim-wide, said in words.

    A task's own entry is its design at the profile (multiple choice trains 4 questions a step
    at mini: the 16 sequences a step of every other task), so it wins for that task alone; the
    run's notes and its plan say so, and the plan's stage values show what it trained with.
    """
    return [
        f"{task.name} trains with {key} {fixed!r} (its own {profile} setting, tasks.{task.name}.{profile}), "
        f"not the spec's {asked!r}"
        for key, asked, fixed in _replaced(params, task.profiles.get(profile, {}))
    ]


def role_settings(params: TransferParams, profile: str, role: str) -> dict:
    """The claim's training params under the schedule of a task role at this profile (tasks.yaml)."""
    given = params.given()  # only what was set: a stage spec hashes what was asked for
    fixed = schedule(profile, role)
    _no_clash(params, fixed, f"the {profile} schedule of every {role} task (schedules.{profile}.{role})")
    return {**{k: given[k] for k in TRAINING_KEYS if k in given}, **fixed}


def _no_clash(params: TransferParams, fixed: dict, where: str) -> None:
    """The one precedence rule's guard: a design schedule never silently overrides what the spec set."""
    for key, asked, value in _replaced(params, fixed):
        raise AuditError(
            f"{params._claim}: the spec sets {key}: {asked!r}, but {where} in "
            f"experiments/toolkit/tasks.yaml fixes it at {value!r}; drop it from the spec "
            "(the schedule is the design) or change the schedule"
        )


def _replaced(params: TransferParams, fixed: dict) -> list[tuple[str, Any, Any]]:
    """(key, the spec's value, the fixed value) wherever ``fixed`` sets a value the spec set otherwise."""
    given = params.given()
    return [(k, given[k], fixed[k]) for k in sorted(params.from_spec() & fixed.keys()) if given[k] != fixed[k]]
