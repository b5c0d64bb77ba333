"""``audit runs`` and ``audit compare``: the store's history, run by run and measurement by measurement.

Runs are kept (re-running a claim adds runs; nothing is overwritten), so a reader can list
them with the commit they ran at and the verdict that read them, and compare two runs, or the
same claims at two commits, the way ``asv compare`` and MLflow's compare view do.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from audit.errors import AuditError
from audit.store import Store


class RunRow(BaseModel):
    id: str
    claim_id: str
    profile: str
    seed: int
    status: str
    commit: str | None
    dirty: bool | None
    ended_at: str
    verdict: str | None  # the newest verdict that read this run


class Change(BaseModel):
    """One measurement on both sides of a comparison (None where a side lacks it)."""

    claim_id: str
    seed: int
    metric: str
    task: str
    language: str
    a: float | None
    b: float | None

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a


def _reader(store_path: Path) -> Store:
    if not store_path.exists():
        raise AuditError(f"no store at {store_path}; run 'audit verify' first, or pass --store with an existing store")
    return Store.reader(store_path)


def runs(
    store_path: Path, claim: str | None = None, profile: str | None = None, status: str | None = None, limit: int = 50
) -> list[RunRow]:
    """The newest runs first, filtered by claim, profile and run status."""
    with _reader(store_path) as store:
        rows = store.rows(
            """SELECT r.id, r.claim_id, r.profile, r.seed, r.status, p.git_commit, p.git_dirty, r.ended_at
               FROM runs r LEFT JOIN provenance p ON p.run_id = r.id
               WHERE (? IS NULL OR r.claim_id = ?) AND (? IS NULL OR r.profile = ?) AND (? IS NULL OR r.status = ?)
               ORDER BY r.ended_at DESC LIMIT ?""",
            [claim, claim, profile, profile, status, status, limit],
        )
        verdicts = _verdict_of_runs(store)
    return [_run_row(r, verdicts.get(r["id"])) for r in rows]


def _run_row(r: dict, verdict: str | None) -> RunRow:
    fields = {k: r[k] for k in ("id", "claim_id", "profile", "seed", "status")}
    return RunRow(**fields, commit=r["git_commit"], dirty=r["git_dirty"], ended_at=str(r["ended_at"]), verdict=verdict)


def _verdict_of_runs(store: Store) -> dict[str, str]:
    out: dict[str, str] = {}
    for row in store.rows("SELECT status, run_ids FROM verdicts ORDER BY created_at"):  # newest wins
        for run_id in json.loads(row["run_ids"] or "[]"):
            out[run_id] = row["status"]
    return out


def compare(store_path: Path, a: str, b: str) -> tuple[str, list[Change]]:
    """Two runs (ids or unique id prefixes), or two commits (prefixes): every measurement side by side.

    For commits, each side is the newest run per (claim, profile, seed) made at that commit, and
    the measurements of runs present on both sides are compared.
    """
    with _reader(store_path) as store:
        run_a, run_b = _run_id(store, a), _run_id(store, b)
        if run_a and run_b:
            key = _key_of(store, run_a)
            return f"run {run_a} vs run {run_b}", _pair(store, {key: run_a}, {key: run_b})
        side_a, side_b = _at_commit(store, a), _at_commit(store, b)
        if not side_a or not side_b:
            missing = a if not side_a else b
            raise AuditError(f"'{missing}' is neither a run id nor a commit of any stored run; see 'audit runs'")
        return f"commit {a} vs commit {b}", _pair(store, side_a, side_b)


def _run_id(store: Store, prefix: str) -> str | None:
    found = store.rows("SELECT id FROM runs WHERE starts_with(id, ?)", [prefix])
    if len(found) > 1:
        raise AuditError(f"run id prefix '{prefix}' matches {len(found)} runs; give more of it")
    return found[0]["id"] if found else None


def _at_commit(store: Store, prefix: str) -> dict[tuple[str, int], str]:
    """(claim:profile, seed) -> the newest run id at the commit of this prefix."""
    rows = store.rows(
        """SELECT r.id, r.claim_id, r.profile, r.seed FROM runs r JOIN provenance p ON p.run_id = r.id
           WHERE starts_with(p.git_commit, ?)
           QUALIFY row_number() OVER (PARTITION BY r.claim_id, r.profile, r.seed ORDER BY r.ended_at DESC) = 1""",
        [prefix],
    )
    return {(f"{r['claim_id']}:{r['profile']}", r["seed"]): r["id"] for r in rows}


def _pair(store: Store, side_a: dict, side_b: dict) -> list[Change]:
    out = []
    for key in sorted(set(side_a) & set(side_b)):
        ma, mb = _measurements(store, side_a[key]), _measurements(store, side_b[key])
        for name in sorted(set(ma) | set(mb)):
            metric, task, lang = name
            out.append(
                Change(
                    claim_id=key[0],
                    seed=key[1],
                    metric=metric,
                    task=task,
                    language=lang,
                    a=ma.get(name),
                    b=mb.get(name),
                )
            )
    return out


def _key_of(store: Store, run_id: str) -> tuple[str, int]:
    row = store.rows("SELECT claim_id, profile, seed FROM runs WHERE id = ?", [run_id])[0]
    return f"{row['claim_id']}:{row['profile']}", row["seed"]


def _measurements(store: Store, run_id: str) -> dict[tuple[str, str, str], float]:
    rows = store.rows("SELECT metric, task, language, condition, value FROM measurements WHERE run_id = ?", [run_id])
    return {(_metric(r), r["task"], r["language"]): r["value"] for r in rows}


def _metric(row: dict) -> str:
    """A measurement's metric, with its condition where it has one ('drop@char@0.1')."""
    return row["metric"] + (f"@{row['condition']}" if row["condition"] else "")
