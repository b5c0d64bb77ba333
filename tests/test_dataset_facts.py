"""Dataset-fact claims through the real code path: hub-schema mirror -> verify -> verdict."""

import pytest

from audit.judge.verdict import Status
from audit.profiles import Profile
from audit.run.verify import verify
from audit.store import Store
from audit.synthesis.claims import load_all
from tests import hub_mirror


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    root = tmp_path / "mirror"
    hub_mirror.english(root)
    hub_mirror.xtreme(root)
    monkeypatch.setenv("AUDIT_HUB_MIRROR", str(root))
    return root


def run(settings, claim_id, seeds=3):
    [v] = verify([load_all(settings.claims_dir)[claim_id]], Profile.MINI, seeds, settings)
    with Store(settings.store) as store:
        rows = store.rows("SELECT metric, task, language, value FROM measurements")
    return v, {(r["metric"], r["task"], r["language"]): r["value"] for r in rows}


def test_mnli_size_counts_the_rows_it_loaded(settings, mirror):
    v, m = run(settings, "mnli-size")
    assert m[("row_count", "*", "*")] == 5
    assert v.status == Status.REFUTED and v.n == 1  # 5 rows in the mirror, not 392,702


def test_anli_plus_drops_items_without_gold(settings, mirror):
    v, m = run(settings, "anli-plus-size")
    # ANLI 3 + 2 + 4, MNLI 5, SNLI 6 minus 2 with label -1
    assert m[("row_count", "*", "*")] == 3 + 2 + 4 + 5 + 4
    assert m[("rows", "snli", "*")] == 4


def test_exact_match_is_supported(settings, mirror):
    hub_mirror.write_split(mirror, "nyu-mll/glue", "mnli", "train", hub_mirror.nli(7))
    path = settings.claims_dir / "000_adfd80519d6416c1" / "mnli-size.yaml"
    path.write_text(path.read_text().replace("value: 392702", "value: 7"))
    assert run(settings, "mnli-size")[0].status == Status.SUPPORTED


def test_sources_come_from_the_data_and_its_card(settings, mirror):
    v, m = run(settings, "hellaswag-source")
    assert v.status == Status.SUPPORTED
    assert m[("source_rows", "hellaswag", "wikihow")] == 2
    assert run(settings, "qqp-source")[0].status == Status.SUPPORTED
    assert run(settings, "squad-source")[0].status == Status.SUPPORTED


def test_a_card_that_does_not_name_the_source_refutes(settings, mirror):
    hub_mirror.write_card(mirror, "nyu-mll/glue", "General Language Understanding Evaluation.")
    assert run(settings, "qqp-source")[0].status == Status.REFUTED


def test_benchmark_inventory_reads_config_names(settings, mirror):
    v, m = run(settings, "target-task-count")
    assert v.status == Status.SUPPORTED and m[("target_task_count", "*", "*")] == 9
    v, m = run(settings, "language-count")
    assert m[("max_languages_per_task", "*", "*")] == 4  # PAN-X: de en fr sw
    assert m[("languages", "XNLI", "*")] == 3  # from its language column
    assert v.status == Status.REFUTED


def test_retrieval_tasks_without_train_splits(settings, mirror):
    v, m = run(settings, "retrieval-no-train")
    assert v.status == Status.SUPPORTED
    assert m[("configs", "bucc", "*")] == 2 and m[("configs_with_train", "tatoeba", "*")] == 0


def test_a_retrieval_train_split_refutes(settings, mirror):
    hub_mirror.write_split(mirror, "google/xtreme", "tatoeba.afr", "train", [{"x": 1}])
    assert run(settings, "retrieval-no-train")[0].status == Status.REFUTED


def test_offline_without_the_split_is_unverifiable_naming_it(settings, data_pack):
    settings = settings.__class__(settings.store, settings.claims_dir, data_pack)
    v, _ = run(settings, "mnli-size")
    assert v.status == Status.UNVERIFIABLE
    assert "mnli train is not in the data pack (it holds: dev)" in v.reason
    assert "nyu-mll/glue mnli/train" in v.reason


def test_pack_split_is_used_when_the_pack_holds_it(settings, data_pack):
    path = settings.claims_dir / "000_adfd80519d6416c1" / "mnli-size.yaml"
    path.write_text(path.read_text().replace("split: train}", "split: dev}"))
    settings = settings.__class__(settings.store, settings.claims_dir, data_pack)
    v, m = run(settings, "mnli-size")
    assert m[("row_count", "*", "*")] == 9815  # MANIFEST.md's count for MNLI dev-matched
    with Store(settings.store) as store:
        prints = store.rows("SELECT data_fingerprints FROM provenance")[0]["data_fingerprints"]
    assert "mnli_dev_matched" in prints


def test_deterministic_facts_run_once_whatever_the_seeds(settings, mirror):
    run(settings, "mnli-size", seeds=5)
    with Store(settings.store) as store:
        assert store.count("runs") == 1
