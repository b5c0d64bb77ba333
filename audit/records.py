"""Run records: what one run of one claim's experiment measured, and under what conditions.

DuckDB allows a single writing process. So runs never write the store directly: each
worker writes its ``RunRecord`` as JSON, atomically (temporary file, then rename), next
to its artifacts in the records directory; one writer (``Store.ingest_records``) later
reads them into the store. A crash mid-write leaves only a temporary file, which is ignored.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

RECORD_SCHEMA_VERSION = 1


class RunStatus(StrEnum):
    OK = "ok"
    UNVERIFIABLE = "unverifiable"
    FAILED = "failed"


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
    provenance: Provenance


def now() -> datetime:
    return datetime.now(UTC)


def write_atomic(record: RunRecord, directory: Path) -> Path:
    """Write ``<run_id>.json`` so that readers see either nothing or the whole record."""
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / f"{record.run_id}.json"
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(record.model_dump_json(indent=2))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    return final


def read_records(directory: Path) -> list[RunRecord]:
    """Every finished record in the directory; temporary files are skipped."""
    if not directory.is_dir():
        return []
    paths = sorted(p for p in directory.glob("*.json") if not p.name.startswith(".tmp-"))
    return [RunRecord.model_validate_json(p.read_text(encoding="utf-8")) for p in paths]
