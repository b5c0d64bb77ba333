import pytest

from experiments.toolkit.stages import StageCache, code_version


def counting(calls, value):
    def fn(folder):
        calls.append(folder)
        (folder / "artifact.txt").write_text(str(value))
        return {"value": value}

    return fn


def test_same_spec_and_inputs_hit_the_cache(tmp_path):
    cache, calls = StageCache(tmp_path, code="c1"), []
    first = cache.run("train", {"lr": 1e-5}, counting(calls, 1), inputs=["abc"])
    again = cache.run("train", {"lr": 1e-5}, counting(calls, 2), inputs=["abc"])
    assert (first.hit, again.hit, again.output, len(calls)) == (False, True, {"value": 1}, 1)
    assert (cache.runs, cache.hits) == (1, 1)


@pytest.mark.parametrize("change", [{"spec": {"lr": 2e-5}}, {"inputs": ["other"]}, {"name": "eval"}, {"code": "c2"}])
def test_any_change_of_what_determines_a_stage_reruns_it(tmp_path, change):
    calls = []
    StageCache(tmp_path, code="c1").run("train", {"lr": 1e-5}, counting(calls, 1), inputs=["abc"])
    cache = StageCache(tmp_path, code=change.get("code", "c1"))
    cache.run(
        change.get("name", "train"),
        change.get("spec", {"lr": 1e-5}),
        counting(calls, 1),
        inputs=change.get("inputs", ["abc"]),
    )
    assert len(calls) == 2


def test_an_interrupted_stage_reruns_in_its_own_folder(tmp_path):
    cache, calls = StageCache(tmp_path, code="c1"), []

    def crash(folder):
        (folder / "checkpoint-3").mkdir()
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cache.run("train", {}, crash)
    result = cache.run("train", {}, counting(calls, 7))
    assert calls == [result.path] and (result.path / "checkpoint-3").is_dir()


def test_code_version_follows_code_files(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    first = code_version(tmp_path)
    code_version.cache_clear()
    (tmp_path / "a.py").write_text("x = 2\n")
    assert code_version(tmp_path) != first
    code_version.cache_clear()


def test_a_changed_data_file_changes_every_stage_key(tmp_path):
    from experiments.toolkit.stages import data_version, versions

    pack = tmp_path / "pack"
    (pack / "xnli").mkdir(parents=True)
    (pack / "xnli" / "dev-de.tsv").write_text("a\tb\t0\n")
    first = data_version(pack)
    data_version.cache_clear()
    (pack / "xnli" / "dev-de.tsv").write_text("a\tb\t1\n")
    assert data_version(pack) != first
    assert versions(tmp_path, None).endswith(":no-pack")


def _slow_stage(root: str, log: str, barrier, results) -> None:
    """Run in another process: a stage that takes a while and logs each time it computes."""
    import time
    from pathlib import Path

    def fn(folder):
        with open(log, "a") as fh:
            fh.write("computed\n")
        time.sleep(1.0)
        return {"value": 7}

    barrier.wait()  # both processes ask for the stage at the same moment
    results.put(StageCache(Path(root), code="c1").run("shared", {"lr": 1e-5}, fn).output)


def test_two_processes_needing_one_stage_compute_it_once(tmp_path):
    import multiprocessing

    spawn, log = multiprocessing.get_context("spawn"), tmp_path / "log.txt"
    barrier, results = spawn.Barrier(2), spawn.Queue()
    procs = [
        spawn.Process(target=_slow_stage, args=(str(tmp_path / "cache"), str(log), barrier, results)) for _ in range(2)
    ]
    for p in procs:
        p.start()
    outputs = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert outputs == [{"value": 7}, {"value": 7}]
    assert log.read_text().splitlines() == ["computed"]
