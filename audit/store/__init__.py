"""The DuckDB store: reports, claims, runs, provenance, measurements, verdicts.

One process writes at a time (DuckDB's rule). Runs hand their results over as JSON
records (``audit.run.records``) and ``Store.ingest_records`` is the single writer that
loads them; ingesting the same record twice is a no-op.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from audit.errors import StaleSchemaError, StoreError
from audit.run.records import Cell, Item, RunRecord, now, read_records
from audit.store.migrations import LATEST, MIGRATIONS

_MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ)"
)


# Never fetch DuckDB extensions: given a SQLite file, DuckDB would try to download one.
_OFFLINE = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
_DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file


def _refuse_foreign(path: Path) -> None:
    """A file at the store path that is not a DuckDB database is someone else's data: leave it alone."""
    if not path.is_file() or path.stat().st_size == 0:
        return
    with path.open("rb") as f:
        head = f.read(16)
    if head[8:12] != _DUCKDB_MAGIC:
        kind = "a SQLite database" if head.startswith(b"SQLite format") else "not a DuckDB database"
        raise StoreError(f"{path} is {kind}; pass --store with a new or an audit store path")


def lock_wait() -> float:
    """Seconds to wait for another process's lock on the store (``AUDIT_STORE_WAIT``, default 600)."""
    import os

    try:
        return max(0.0, float(os.environ.get("AUDIT_STORE_WAIT", "600")))
    except ValueError:
        raise StoreError("AUDIT_STORE_WAIT must be a number of seconds") from None


def _wait_for_lock(connect, path: Path):
    """Connect, waiting while another process holds the store's lock (DuckDB allows one writer).

    The writer holds it only while it ingests records and judges, seconds at a time, so a
    second verify or a reader waits its turn instead of failing; past the wait it is one line.
    """
    import time
    import warnings

    wait = lock_wait()
    deadline, told = time.monotonic() + wait, False
    while True:
        try:
            return connect()
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                raise
            if not told:
                warnings.warn(
                    f"store {path} is in use by another audit process; waiting up to {wait:.0f} s (AUDIT_STORE_WAIT)",
                    stacklevel=3,
                )
                told = True
            time.sleep(0.2)


class Store:
    """A connection to one store file, migrated to the latest schema on open."""

    def __init__(self, path: Path, read_only: bool = False, upto: int = LATEST):
        self.path = Path(path)
        self.con = self._connect(read_only)
        if not read_only:
            self.migrate(upto)
        elif (version := self.schema_version()) > LATEST:
            self.close()
            raise StoreError(
                f"store {self.path} has schema v{version}, newer than this audit understands (v{LATEST}); upgrade audit"
            )
        elif version < LATEST:
            self.close()  # a caller may open it read-write next, which DuckDB refuses beside this connection
            raise StaleSchemaError(
                f"store {self.path} is at schema v{version}; open it once without read-only to migrate it"
            )

    def _connect(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        if read_only and not self.path.exists():
            raise StoreError(f"no store at {self.path}; run 'audit verify' first or pass --store")
        _refuse_foreign(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return _wait_for_lock(
                lambda: duckdb.connect(str(self.path), read_only=read_only, config=_OFFLINE), self.path
            )
        except (duckdb.Error, OSError) as exc:
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            raise StoreError(f"cannot open store {self.path}: {first}; pass --store with a writable path") from None

    @classmethod
    def reader(cls, path: Path) -> Store:
        """A read-only connection, for commands that only look: several may read at once.

        A store at an older schema is migrated first (one short read-write open).
        """
        try:
            return cls(path, read_only=True)
        except StaleSchemaError:
            cls(path).close()
        return cls(path, read_only=True)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ------------------------------------------------------------------
    def schema_version(self) -> int:
        exists = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
        ).fetchone()[0]
        if not exists:
            return 0
        return self.con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]

    def _has_tables(self) -> bool:
        return self.con.execute("SELECT count(*) FROM information_schema.tables").fetchone()[0] > 0

    def migrate(self, upto: int = LATEST) -> None:
        """Apply every migration newer than the store, each in its own transaction."""
        if self.schema_version() == 0 and self._has_tables():
            raise StoreError(
                f"{self.path} is a DuckDB database of another schema (no schema_migrations table); "
                "pass --store with a new or an audit store path"
            )
        self.con.execute(_MIGRATIONS_TABLE)
        current = self.schema_version()
        if current > LATEST:
            raise StoreError(
                f"store {self.path} has schema v{current}, newer than this audit understands (v{LATEST}); upgrade audit"
            )
        for version, name, sql in MIGRATIONS:
            if current < version <= upto:
                self.con.execute("BEGIN TRANSACTION")
                self.con.execute(sql)
                self.con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, now()])
                self.con.execute("COMMIT")

    # -- writes ------------------------------------------------------------------
    def upsert(self, table: str, row: dict[str, Any]) -> None:
        """Insert a row, replacing the one with the same primary key."""
        self.insert(table, row, verb="INSERT OR REPLACE")

    def insert(self, table: str, row: dict[str, Any], verb: str = "INSERT") -> None:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self.con.execute(f"{verb} INTO {table} ({cols}) VALUES ({marks})", [_cell(v) for v in row.values()])

    def ingest_records(self, directory: Path) -> int:
        """Load every run record not yet in the store; returns how many were new."""
        known = {r[0] for r in self.con.execute("SELECT id FROM runs").fetchall()}
        fresh = [r for r in read_records(directory) if r.run_id not in known]
        for record in fresh:
            self.con.execute("BEGIN TRANSACTION")
            self._insert_record(record)
            self.con.execute("COMMIT")
        return len(fresh)

    def _insert_record(self, r: RunRecord) -> None:
        self.upsert(
            "runs",
            {
                "id": r.run_id,
                "claim_id": r.claim_id,
                "experiment": r.experiment,
                "profile": r.profile,
                "seed": r.seed,
                "status": r.status.value,
                "started_at": r.started_at,
                "ended_at": r.ended_at,
                "error": r.error,
                "notes": r.notes,
                "params": r.params,
                "plan": r.plan,
                "stage_keys": r.stage_keys,
            },
        )
        self.upsert("provenance", {"run_id": r.run_id, **r.provenance.model_dump()})
        self._insert_cells(r)
        rows = [[r.run_id, m.metric, m.task, m.language, m.split, m.value, m.condition] for m in r.measurements]
        if rows:  # failed and unverifiable runs measure nothing; duckdb refuses an empty batch
            self.con.executemany(
                "INSERT INTO measurements (run_id, metric, task, language, split, value, condition) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def _insert_cells(self, r: RunRecord) -> None:
        """A run's cells, and their items in one columnar batch (thousands of rows a run)."""
        import pyarrow as pa

        for k, c in enumerate(r.cells):
            self.insert("cells", {"run_id": r.run_id, "cell": k, **c.model_dump(exclude={"items"})})
        items = [(k, n, i) for k, c in enumerate(r.cells) for n, i in enumerate(c.items)]
        if not items:
            return
        batch = pa.table(
            {
                "run_id": [r.run_id] * len(items),
                "cell": [k for k, _, _ in items],
                "position": [n for _, n, _ in items],
                "item": [i.id for _, _, i in items],
                "num": [i.num for _, _, i in items],
                "den": [i.den for _, _, i in items],
                "pred": [i.pred for _, _, i in items],
            }
        )
        self.con.from_arrow(batch).insert_into("item_outcomes")

    # -- reads -------------------------------------------------------------------
    def cells(self, run_ids: list[str]) -> dict[str, list[Cell]]:
        """Each run's cells with their items, in recorded order."""
        heads = self.rows("SELECT * FROM cells WHERE list_contains(?, run_id) ORDER BY run_id, cell", [run_ids])
        items: dict[tuple[str, int], list[Item]] = {}
        for row in self.rows(
            "SELECT * FROM item_outcomes WHERE list_contains(?, run_id) ORDER BY run_id, cell, position", [run_ids]
        ):
            items.setdefault((row["run_id"], row["cell"]), []).append(
                Item(id=row["item"], num=row["num"], den=row["den"], pred=row["pred"])
            )
        out: dict[str, list[Cell]] = {i: [] for i in run_ids}
        for h in heads:
            fields = {k: v for k, v in h.items() if k not in {"run_id", "cell"} and v is not None}
            out[h["run_id"]].append(Cell(**fields, items=items.get((h["run_id"], h["cell"]), [])))
        return out

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def latest_runs(self, claim_id: str, profile: str, seeds: list[int], spec_hash: str):
        """The newest run per seed made with this exact spec."""
        return self.rows(
            """SELECT r.* FROM runs r JOIN provenance p ON p.run_id = r.id
               WHERE r.claim_id = ? AND r.profile = ? AND p.spec_hash = ?
                 AND list_contains(?, r.seed)
               QUALIFY row_number() OVER (PARTITION BY r.seed ORDER BY r.ended_at DESC) = 1
               ORDER BY r.seed""",
            [claim_id, profile, spec_hash, seeds],
        )

    def newest_provenance(self, claim_id: str) -> dict[str, Any] | None:
        """The provenance of the claim's newest run, with its profile and seed."""
        rows = self.rows(
            """SELECT r.profile, r.seed, r.ended_at, p.* FROM runs r JOIN provenance p ON p.run_id = r.id
               WHERE r.claim_id = ? ORDER BY r.ended_at DESC LIMIT 1""",
            [claim_id],
        )
        return rows[0] if rows else None

    def headline_values(self, run_ids: list[str], metric: str) -> dict[str, float]:
        """The aggregate (task '*', language '*') value of ``metric`` per run."""
        found = self.rows(
            "SELECT run_id, value FROM measurements WHERE list_contains(?, run_id) "
            "AND metric = ? AND task = '*' AND language = '*' AND condition = ''",
            [run_ids, metric],
        )
        return {r["run_id"]: r["value"] for r in found}

    def seed_values(self, run_ids: list[str], metric: str) -> list[tuple[int, float]]:
        """(seed, headline value) for these runs, in seed order."""
        rows = self.rows(
            "SELECT r.seed, m.value FROM measurements m JOIN runs r ON r.id = m.run_id WHERE list_contains(?, r.id) "
            "AND m.metric = ? AND m.task = '*' AND m.language = '*' AND m.condition = '' ORDER BY r.seed",
            [run_ids, metric],
        )
        return [(r["seed"], r["value"]) for r in rows]

    def sweep(self, experiment: str, profile: str) -> list[dict[str, Any]]:
        """Every measurement of the newest successful run per claim and seed of one experiment."""
        return self.rows(
            """WITH latest AS (
                   SELECT id, seed FROM runs WHERE experiment = ? AND profile = ? AND status = 'ok'
                   QUALIFY row_number() OVER (PARTITION BY claim_id, seed ORDER BY ended_at DESC) = 1)
               SELECT l.seed, m.metric, m.task, m.language, m.condition, avg(m.value) AS value
               FROM measurements m JOIN latest l ON l.id = m.run_id
               GROUP BY ALL ORDER BY ALL""",
            [experiment, profile],
        )

    def latest_verdicts(self, profile: str | None = None, claim_id: str | None = None) -> list[dict[str, Any]]:
        """The newest verdict per claim and route (reproduced, dataset, documented)."""
        return self.rows(
            """SELECT * FROM verdicts WHERE (? IS NULL OR profile = ? OR route = 'documented')
                 AND (? IS NULL OR claim_id = ?)
               QUALIFY row_number() OVER (PARTITION BY claim_id, route ORDER BY created_at DESC) = 1
               ORDER BY claim_id, route""",
            [profile, profile, claim_id, claim_id],
        )

    def count(self, table: str) -> int:
        return self.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _cell(value: Any) -> Any:
    """DuckDB takes JSON columns as text; dicts and lists are serialised."""
    return json.dumps(value, sort_keys=True, default=str) if isinstance(value, dict | list) else value
