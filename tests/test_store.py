import multiprocessing as mp
import time

import duckdb
import pytest

from audit.errors import StoreError
from audit.run.records import write_atomic
from audit.store import Store
from audit.store.migrations import LATEST
from tests.test_records import make_record


def test_new_store_has_every_table_and_the_migration_log(tmp_path):
    with Store(tmp_path / "a.duckdb") as store:
        assert store.schema_version() == LATEST
        tables = {r["table_name"] for r in store.rows("SELECT table_name FROM information_schema.tables")}
        log = store.rows("SELECT version FROM schema_migrations ORDER BY version")
    assert {"reports", "claims", "runs", "provenance", "measurements", "verdicts"} <= tables
    assert [r["version"] for r in log] == list(range(1, LATEST + 1))


def test_a_store_made_with_an_older_schema_is_migrated_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.duckdb"
    with Store(path, upto=1) as old:
        assert old.schema_version() == 1
        old.con.execute("INSERT INTO verdicts (id, claim_id, status) VALUES ('v1', 'squad-gain', 'NOT_RUN')")
    with Store(path) as store:
        assert store.schema_version() == LATEST
        row = store.rows("SELECT claim_id, route, note FROM verdicts")[0]
    assert row == {"claim_id": "squad-gain", "route": "reproduced", "note": ""}


def test_a_store_newer_than_this_code_is_refused(tmp_path):
    path = tmp_path / "new.duckdb"
    Store(path).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_migrations VALUES (?, 'future', now())", [LATEST + 1])
    con.close()
    with pytest.raises(StoreError, match="newer than this audit understands"):
        Store(path)


def test_read_only_open_of_a_missing_store_says_what_to_do(tmp_path):
    with pytest.raises(StoreError, match="run 'audit verify' first"):
        Store(tmp_path / "none.duckdb", read_only=True)


def test_a_non_duckdb_file_gives_one_line(tmp_path):
    path = tmp_path / "text.duckdb"
    path.write_text("not a database")
    with pytest.raises(StoreError) as err:
        Store(path)
    assert "\n" not in str(err.value)
    assert path.read_text() == "not a database"  # never clobbered


def test_ingesting_records_twice_adds_nothing(tmp_path):
    records = tmp_path / "records"
    for seed in range(3):
        write_atomic(make_record(seed=seed, value=seed), records)
    with Store(tmp_path / "s.duckdb") as store:
        assert store.ingest_records(records) == 3
        assert store.ingest_records(records) == 0
        assert store.count("runs") == 3 and store.count("measurements") == 3
        assert store.count("provenance") == 3


def _worker(args):
    directory, seed = args
    write_atomic(make_record(claim=f"c{seed % 3}", seed=seed, value=float(seed)), directory)


def test_parallel_workers_hand_over_through_records_to_one_writer(tmp_path):
    records = tmp_path / "records"
    with mp.get_context("spawn").Pool(4) as pool:
        pool.map(_worker, [(records, s) for s in range(12)])
    with Store(tmp_path / "s.duckdb") as store:
        assert store.ingest_records(records) == 12
        total = store.con.execute("SELECT sum(value) FROM measurements").fetchone()[0]
    assert total == sum(range(12))


def test_a_second_writer_waits_for_the_lock_then_gives_up_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIT_STORE_WAIT", "1")
    path = tmp_path / "s.duckdb"
    holder = _holding(path, tmp_path / "ready", seconds=30)
    try:
        start = time.monotonic()
        warned = pytest.warns(UserWarning, match="in use by another audit process")
        with warned, pytest.raises(StoreError, match="cannot open store") as info:
            Store(path)
        assert time.monotonic() - start >= 1 and "\n" not in str(info.value)
    finally:
        holder.terminate()
        holder.join()


@pytest.mark.parametrize("reader", [False, True])
def test_a_writer_or_reader_gets_the_store_once_the_holder_lets_go(tmp_path, monkeypatch, reader):
    monkeypatch.setenv("AUDIT_STORE_WAIT", "60")
    path = tmp_path / "s.duckdb"
    holder = _holding(path, tmp_path / "ready", seconds=2)
    with pytest.warns(UserWarning, match="waiting up to 60 s"):
        store = Store.reader(path) if reader else Store(path)
    with store:
        assert store.schema_version() == LATEST
    holder.join()


def _holding(path, ready, seconds: float):
    holder = mp.get_context("spawn").Process(target=_hold, args=(str(path), str(ready), seconds))
    holder.start()
    _wait_for(ready)
    return holder


def _hold(path, ready, seconds):
    from pathlib import Path

    store = Store(Path(path))
    Path(ready).write_text("1")
    time.sleep(seconds)
    store.close()


def _wait_for(path):
    for _ in range(300):
        if path.exists():
            return
        time.sleep(0.05)
    raise AssertionError("holder process never opened the store")


def test_item_outcomes_go_in_and_come_back_cell_by_cell(tmp_path):
    from audit.run.records import Cell, Item

    cells = [
        Cell(
            arm="baseline",
            role="reference",
            task="xnli",
            language="de",
            trivial=33.3,
            items=[Item(id=str(i), num=float(i % 2), pred=str(i % 3)) for i in range(7)],
        ),
        Cell(
            arm="mnli",
            role="intermediate",
            task="mnli",
            language="en",
            floor=40.0,
            items=[Item(id="q1", num=0.5, den=2.0)],
        ),
    ]
    record = make_record().model_copy(update={"cells": cells})
    write_atomic(record, tmp_path / "records")
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest_records(tmp_path / "records")
        assert store.count("item_outcomes") == 8
        back = store.cells([record.run_id])[record.run_id]
    assert back == cells  # order, ids, fractions and predicted classes survive


def test_a_sqlite_file_at_the_store_path_is_refused_and_left_intact(tmp_path):
    import sqlite3

    path = tmp_path / "audit.duckdb"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE mine (a INTEGER)")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="is a SQLite database"):
        Store(path)
    assert path.read_bytes() == before


def test_a_duckdb_file_of_another_schema_is_refused(tmp_path):
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE runs (x INTEGER)")
    con.close()
    with pytest.raises(StoreError, match="another schema"):
        Store(path)


def test_a_store_path_under_a_file_is_one_line(tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(StoreError, match="cannot open store") as info:
        Store(tmp_path / "afile" / "audit.duckdb")
    assert "\n" not in str(info.value)


def test_two_stores_in_one_folder_keep_their_own_records_and_stages(tmp_path):
    from audit.settings import Settings

    a, b = (Settings(store=tmp_path / name, claims_dir=tmp_path, data_dir=None) for name in ("a.duckdb", "b.duckdb"))
    assert a.records_dir != b.records_dir and a.stages_dir != b.stages_dir
    assert a.records_dir.parent == a.home and a.home.parent == tmp_path


def test_a_reader_migrates_an_older_store_first(tmp_path):
    path = tmp_path / "old.duckdb"
    Store(path, upto=1).close()
    with pytest.raises(StoreError, match="at schema v1"):
        Store(path, read_only=True)
    with Store.reader(path) as store:
        assert store.schema_version() == LATEST
