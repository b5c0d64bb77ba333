from pathlib import Path

from audit.run.provenance import collect
from audit.run.records import Measurement, RunRecord, RunStatus, now, read_records, write_atomic


def make_record(claim: str = "squad-gain", seed: int = 0, value: float = 1.0) -> RunRecord:
    t = now()
    return RunRecord(
        claim_id=claim,
        experiment="fake",
        profile="mini",
        seed=seed,
        status=RunStatus.OK,
        started_at=t,
        ended_at=t,
        measurements=[Measurement(metric="avg_gain", value=value)],
        provenance=collect("spec-hash", Path(__file__).parent, []),
    )


def test_record_round_trips_through_json(tmp_path):
    rec = make_record(value=2.5)
    path = write_atomic(rec, tmp_path)
    assert path.name == f"{rec.run_id}.json"
    assert read_records(tmp_path) == [rec]


def test_temporary_files_from_a_crashed_writer_are_ignored(tmp_path):
    write_atomic(make_record(), tmp_path)
    (tmp_path / ".tmp-abc.json").write_text('{"half": ')
    assert len(read_records(tmp_path)) == 1


def test_an_input_read_twice_is_fingerprinted_once(tmp_path):
    from audit.run.runner import RunContext

    ctx = RunContext(None, None, 0, {}, None, work_dir=tmp_path, cache_dir=tmp_path)
    f = tmp_path / "d.tsv"
    ctx.use(f)
    ctx.use(f)
    assert ctx.data_files == [f]


def test_a_truncated_or_foreign_record_is_quarantined_not_fatal(tmp_path):
    import pytest

    from audit.run.records import QuarantineWarning

    rec = make_record()
    write_atomic(rec, tmp_path)
    (tmp_path / "half.json").write_text('{"run_id": "r2", "claim_')
    (tmp_path / "other.json").write_text('{"hello": "world"}')
    with pytest.warns(QuarantineWarning) as warned:
        assert read_records(tmp_path) == [rec]
    assert sorted(str(w.message).split()[0] for w in warned) == ["half.json", "other.json"]
    assert sorted(p.name for p in (tmp_path / "quarantine").iterdir()) == ["half.json", "other.json"]
    assert read_records(tmp_path) == [rec]  # quarantined once, not again
