"""Run records: what one run of one claim's experiment measured, and under what conditions.

DuckDB allows a single writing process. So runs never write the store directly: each
worker writes its ``RunRecord`` as JSON, atomically (temporary file, then rename), next
to its artifacts in the records directory; one writer (``Store.ingest_records``) later
reads them into the store. A crash mid-write leaves only a temporary file, which is ignored.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from audit.errors import NotApplicable, Unverifiable
from audit.files import write_text_atomic

# 2: runs carry their item-level outcomes (cells); 3: and the params that ran; 4: treated cells name
# the reference arm they are paired with (``Cell.against``).
RECORD_SCHEMA_VERSION = 4


class RunStatus(StrEnum):
    OK = "ok"
    UNVERIFIABLE = "unverifiable"
    NOT_APPLICABLE = "not-applicable"
    FAILED = "failed"


# An experiment's own word for a run that measured nothing, by the exception it raised.
OUTCOMES = (Unverifiable, NotApplicable)


def outcome_of(exc: Unverifiable | NotApplicable) -> RunStatus:
    """The status of a run (or a planned run) that stopped with one of ``OUTCOMES``."""
    return RunStatus.UNVERIFIABLE if isinstance(exc, Unverifiable) else RunStatus.NOT_APPLICABLE


class Measurement(BaseModel):
    """One measured number. ``task``/``language`` '*' mark an aggregate over them.

    ``condition`` names what was done to the evaluation input ('' for nothing; e.g.
    'char@0.1' for 10% character noise), so one run can measure a sweep.
    """

    metric: str
    value: float
    task: str = "*"
    language: str = "*"
    split: str = ""
    condition: str = ""


class Item(BaseModel):
    """One evaluation item's share of a score: the score is 100 * sum(num) / sum(den) over its items.

    One form for every metric, so intervals and gates resample items without knowing it:
    accuracy (correct, 1), per-question F1 (f1, 1), token accuracy (tokens right, tokens),
    entity F1 (2 x entities matched, entities predicted + gold), BUCC F1 likewise per source.
    """

    id: str
    num: float
    den: float = 1.0
    pred: str | None = None  # the predicted class, where there is one (a one-class model fails its gate)


class Cell(BaseModel):
    """One arm's outcomes on one task and language, item by item, with what they are gated against.

    ``role``: 'reference' (the arm gains are measured against), 'treated' (an arm being judged),
    'intermediate' (a phase-1 checkpoint scored on held-out items of its own task) or 'plateau'
    (a reference trained twice as long, measured against it: had the reference stopped improving?).
    ``trivial``: what a model that learned nothing scores (the majority class, the most frequent
    tag, 0 F1). ``margin``, ``floor`` and ``collapse_share``: the task's gate policy for this
    profile (``audit.judge.gates``): learned means above trivial + margin (and the floor, where one is).
    """

    arm: str
    role: Literal["reference", "treated", "intermediate", "plateau"]
    against: str = ""  # a treated arm: the reference arm its gain is measured against (same task and language)
    task: str
    language: str
    trained: bool = True  # False for retrieval, which scores the encoder itself
    trivial: float = 0.0
    floor: float | None = None
    margin: float = 5.0
    collapse_share: float = 0.8
    items: list[Item] = Field(default_factory=list)

    @property
    def score(self) -> float:
        den = sum(i.den for i in self.items)
        return 100.0 * sum(i.num for i in self.items) / den if den else 0.0


class Provenance(BaseModel):
    git_commit: str | None
    git_dirty: bool | None
    packages: dict[str, str | None]
    python: str
    hardware: dict[str, str | int | list[str] | None]
    gpu: str | None
    data_fingerprints: dict[str, str] = Field(default_factory=dict)  # keyed by the path inside the pack
    spec_hash: str
    code_hash: str | None
    # What the numbers depended on besides code and data: threads, precision, attention, kernels' ISA, libraries.
    numerics: dict[str, Any] = Field(default_factory=dict)


class RunRecord(BaseModel):
    schema_version: int = RECORD_SCHEMA_VERSION
    run_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    claim_id: str
    experiment: str
    profile: str
    seed: int
    status: RunStatus
    started_at: datetime
    ended_at: datetime
    error: str | None = None
    measurements: list[Measurement] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # caveats, e.g. an intermediate task skipped
    cells: list[Cell] = Field(default_factory=list)  # item-level outcomes: what gates and intervals use
    params: dict[str, Any] = Field(default_factory=dict)  # the experiment's resolved Params, every field
    # What ran: the run's resolved plan (audit.run.plan.RunPlan: every stage's key, inputs and
    # values, the judge's settings) and the stage keys the run consumed, in the order it did.
    plan: dict[str, Any] | None = None
    stage_keys: list[str] = Field(default_factory=list)
    provenance: Provenance


def now() -> datetime:
    return datetime.now(UTC)


def write_atomic(record: RunRecord, directory: Path) -> Path:
    """Write ``<run_id>.json`` so that readers see either nothing or the whole record."""
    directory.mkdir(parents=True, exist_ok=True)
    return write_text_atomic(directory / f"{record.run_id}.json", record.model_dump_json(indent=2))


class QuarantineWarning(UserWarning):
    """A record file that is not a run record was moved aside; the runs it held must be re-run."""


def read_records(directory: Path) -> list[RunRecord]:
    """Every finished record in the directory; temporary files are skipped, unreadable ones quarantined.

    One truncated or foreign JSON file must not stop every later run from being
    stored, nor be deleted: it moves to ``quarantine/`` with a warning that names it.
    """
    if not directory.is_dir():
        return []
    paths = sorted(p for p in directory.glob("*.json") if not p.name.startswith(".tmp-"))
    return [r for r in map(_read_one, paths) if r is not None]


def _read_one(path: Path) -> RunRecord | None:
    import warnings

    try:
        return RunRecord.model_validate_json(path.read_bytes())
    except (ValueError, OSError) as exc:
        target = path.parent / "quarantine" / path.name
        target.parent.mkdir(exist_ok=True)
        path.replace(target)
        reason = str(exc).splitlines()[0][:160]
        warnings.warn(f"{path.name} is not a run record ({reason}); moved to {target}", QuarantineWarning, stacklevel=2)
        return None
