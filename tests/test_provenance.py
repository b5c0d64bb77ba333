import subprocess

from audit import provenance


def test_git_state_matches_git_itself():
    commit, dirty = provenance.git_state()
    expected = subprocess.run(
        ["git", "-C", str(provenance.REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    assert commit == (expected or None)
    assert dirty in (True, False, None)


def test_code_hash_follows_content(tmp_path):
    f = tmp_path / "exp.py"
    f.write_text("a = 1\n")
    first = provenance.code_hash([f])
    f.write_text("a = 2\n")
    assert provenance.code_hash([f]) != first
    assert provenance.code_hash([]) is None


def test_data_files_are_fingerprinted(tmp_path):
    f = tmp_path / "d.tsv"
    f.write_bytes(b"abc")
    prov = provenance.collect("h", [], [f])
    # sha256("abc"), worked out independently of the code under test
    assert prov.data_fingerprints[str(f)] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert prov.hardware["cpus"] and prov.packages["pydantic"]
