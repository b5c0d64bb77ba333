import subprocess

from audit.run import provenance


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
    from audit.profiles import Profile
    from audit.run import runner
    from audit.settings import Settings
    from audit.synthesis.claims import load_all
    from tests.conftest import CLAIMS

    # An experiment package that edits its own code while it runs.
    code = tmp_path / "selfedit" / "experiment.py"
    code.parent.mkdir()
    code.write_text(
        "from pathlib import Path\n"
        "from audit.contract import Measurement, experiment\n"
        "from tests.fake_experiments import FakeParams\n"
        "def run(ctx):\n"
        "    Path(__file__).write_text('version = 2')\n"
        "    return [Measurement(metric='x', value=1.0)]\n"
        "EXPERIMENT = experiment('self-edit', FakeParams, run)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    started_with = provenance.code_hash(code.parent)
    spec = load_all(CLAIMS)["squad-gain"]
    settings = Settings(store=tmp_path / "s" / "audit.duckdb", claims_dir=CLAIMS, data_dir=None)
    record = runner.run_once(spec, Profile.SMOKE, 0, settings, entry="selfedit.experiment:EXPERIMENT")
    assert record.status == "ok" and code.read_text() == "version = 2"
    assert record.provenance.code_hash == started_with != provenance.code_hash(code.parent)


def test_the_code_hash_covers_the_core_modules_the_experiments_import_and_no_others():
    from audit.settings import REPO_ROOT

    files = {p.relative_to(REPO_ROOT).as_posix() for p in provenance.code_files(REPO_ROOT / "experiments")}
    assert {"experiments/toolkit/tasks.yaml", "experiments/toolkit/stages.py", "experiments/toolkit/models.py"} <= files
    assert {"audit/run/determinism.py", "audit/contract.py", "audit/run/records.py"} <= files  # seeding, the contract
    assert (
        not {"audit/output/render.py", "audit/cli/main.py", "audit/output/html_report.py"} & files
    )  # presentation never re-runs


def test_a_package_is_hashed_with_the_core_modules_it_imports(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "a.py").write_text("def f():\n    from audit.errors import Unverifiable\n")  # a lazy import counts
    assert {f.name for f in provenance.code_files(pkg)} == {"a.py", "errors.py"}
    (pkg / "a.py").write_text("x = 1\n")
    assert {f.name for f in provenance.code_files(pkg)} == {"a.py"}
