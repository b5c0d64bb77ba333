"""Protocol details of the full profile that a CPU can check (issue #32): each fails on 8f80a87."""

from __future__ import annotations

import pytest


def test_a_hub_copy_that_needs_a_loading_script_is_unverifiable_not_a_crash(monkeypatch):
    import datasets

    from audit.errors import Unverifiable
    from experiments.toolkit.sources.hub import Hub

    def script(*_args, **_kwargs):
        raise RuntimeError("Dataset scripts are no longer supported, but found cosmos_qa.py")

    monkeypatch.setattr(datasets, "load_dataset", script)
    hub = Hub(offline=False, mirror=None)
    with pytest.raises(Unverifiable, match="Dataset scripts are no longer supported"):
        hub.load("allenai/cosmos_qa", "default", "train")


def test_xquad_reads_the_hubs_own_config_names_in_xtremes_eleven_languages():
    from experiments.tasks import get, hub_sources

    xquad = get("xquad")
    assert "ro" not in xquad.languages and len(xquad.languages) == 11
    [source] = hub_sources(xquad, "dev", "de")
    assert source.config == "XQuAD.de"  # the hub's configs are case-sensitive


def test_the_full_schedules_decay_weights_as_jiant_does(tmp_path):
    from experiments.tasks import schedule
    from experiments.training import arguments

    for role in ("intermediate", "target"):
        params = {**schedule("full", role), "max_steps": 10}
        assert params["weight_decay"] == 0.01
        assert arguments(tmp_path, params, seed=0).weight_decay == 0.01
    assert arguments(tmp_path, {"max_steps": 10}, seed=0).weight_decay == 0.0  # mini and smoke: none, as before
