import pytest

from audit.errors import Unverifiable
from experiments.toolkit.sources.hub import Hub
from tests import hub_mirror


def test_offline_without_a_mirror_names_what_it_needed():
    with pytest.raises(Unverifiable, match=r"config list of google/xtreme needs the Hugging Face hub"):
        Hub(mirror=None, offline=True).configs("google/xtreme")


def test_mirror_serves_configs_splits_rows_and_cards(tmp_path):
    hub_mirror.xtreme(tmp_path)
    hub_mirror.english(tmp_path)
    hub = Hub(mirror=tmp_path, offline=True)
    assert "PAN-X.de" in hub.configs("google/xtreme") and len(hub.configs("google/xtreme")) == 16
    assert hub.splits("google/xtreme", "bucc18.de") == ["test", "validation"]
    ds = hub.load("stanfordnlp/snli", "plain_text", "train")
    assert ds.num_rows == 6 and ds.column_names == ["premise", "hypothesis", "label", "idx"]
    assert "Quora" in hub.card("nyu-mll/glue")


def test_a_split_missing_from_the_mirror_is_named(tmp_path):
    hub_mirror.english(tmp_path)
    with pytest.raises(Unverifiable, match=r"nyu-mll/glue mnli/validation_matched is not in the hub mirror"):
        Hub(mirror=tmp_path, offline=True).load("nyu-mll/glue", "mnli", "validation_matched")


def test_env_decides_mirror_and_offline(monkeypatch, tmp_path):
    monkeypatch.setenv("AUDIT_HUB_MIRROR", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    assert Hub.from_env() == Hub(mirror=tmp_path, offline=False)
