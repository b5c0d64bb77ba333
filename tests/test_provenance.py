import subprocess

from audit import provenance


def test_git_state_matches_git_itself():
    commit, dirty = provenance.git_state()
    expected = subprocess.run(
        ["git", "-C", str(provenance.REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    assert commit == (expected or None)
    assert dirty in (True, False, None)


def test_code_hash_follows_every_code_and_catalogue_file_of_the_package(tmp_path):
    f, tasks = tmp_path / "exp.py", tmp_path / "sub" / "tasks.yaml"
    tasks.parent.mkdir()
    f.write_text("a = 1\n")
    tasks.write_text("version: 1\n")
    first = provenance.code_hash(tmp_path)
    f.write_text("a = 2\n")
    second = provenance.code_hash(tmp_path)
    tasks.write_text("version: 2\n")  # a task file changes results as much as code does
    third = provenance.code_hash(tmp_path)
    assert len({first, second, third}) == 3
    (tmp_path / "notes.txt").write_text("not code")
    assert provenance.code_hash(tmp_path) == third


def test_data_files_are_fingerprinted_by_their_path_inside_the_pack(tmp_path):
    f = tmp_path / "xnli" / "d.tsv"
    f.parent.mkdir()
    f.write_bytes(b"abc")
    prints = provenance.fingerprints([f], tmp_path)
    # sha256("abc"), worked out independently of the code under test
    assert prints == {"pack:xnli/d.tsv": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}
    assert provenance.fingerprints([f], None) == {"file:d.tsv": prints["pack:xnli/d.tsv"]}
    prov = provenance.collect("h", tmp_path, [])
    assert prov.hardware["cpus"] and prov.packages["pydantic"]


def test_the_cpu_model_and_its_numeric_isa_flags_are_read_from_cpuinfo():
    from pathlib import Path

    model, flags = provenance.cpu()
    text = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else ""
    if "model name" in text:
        assert model and model in text
    assert set(flags) <= set(provenance.NUMERIC_FLAGS)
    assert ("avx512_bf16" in flags) == (" avx512_bf16" in text)


def test_a_run_is_credited_with_the_code_it_started_with(tmp_path, monkeypatch):
    from audit import registry, runner
    from audit.claims import load_all
    from audit.profiles import Profile
    from audit.records import Measurement
    from audit.settings import Settings
    from tests.conftest import CLAIMS

    code = tmp_path / "experiments" / "experiment.py"
    code.parent.mkdir()
    code.write_text("version = 1\n")
    started_with = provenance.code_hash(code.parent)

    def edits_itself(ctx):  # someone edits the experiment while it runs
        code.write_text("version = 2\n")
        return [Measurement(metric="x", value=1.0)]

    monkeypatch.setattr(registry, "resolve", lambda name: (edits_itself, code.parent))
    spec = load_all(CLAIMS)["squad-gain"]
    settings = Settings(store=tmp_path / "s" / "audit.duckdb", claims_dir=CLAIMS, data_dir=None)
    record = runner.run_once(spec, Profile.SMOKE, 0, settings)
    assert record.provenance.code_hash == started_with != provenance.code_hash(code.parent)
