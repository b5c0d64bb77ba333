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
    from experiments.toolkit.tasks import get, hub_sources

    xquad = get("xquad")
    assert "ro" not in xquad.languages and len(xquad.languages) == 11
    [source] = hub_sources(xquad, "dev", "de")
    assert source.config == "XQuAD.de"  # the hub's configs are case-sensitive


def test_the_full_schedules_decay_weights_as_jiant_does(tmp_path):
    from experiments.toolkit.tasks import schedule
    from experiments.toolkit.training import arguments

    for role in ("intermediate", "target"):
        params = {**schedule("full", role), "max_steps": 10}
        assert params["weight_decay"] == 0.01
        assert arguments(tmp_path, params, seed=0).weight_decay == 0.01
    assert arguments(tmp_path, {"max_steps": 10}, seed=0).weight_decay == 0.0  # mini and smoke: none, as before


def test_ud_pos_tags_from_the_hub_are_names_not_classlabel_integers(tmp_path, monkeypatch, data_pack):
    """The hub's udpos configs type pos_tags as ClassLabel integers; tokens scored against integers score 0 of 0."""
    from experiments.toolkit.tasks import get, load_records
    from tests import hub_mirror
    from tests.test_full_routing import Ctx

    hub_mirror.full_path(tmp_path)
    monkeypatch.setenv("AUDIT_HUB_MIRROR", str(tmp_path))
    rows = load_records(get("udpos"), "train", "en", Ctx(data_pack))  # full: the hub's English treebanks
    assert rows and all(r["tags"] == ["DET", "NOUN", "NUM"] for r in rows)


def test_the_plan_asks_the_runs_availability_question(data_pack):
    """UD-POS kk, th, tl, yo have no validation split on the hub, and the pack's TyDiQA dev copies no
    answers: `audit plan` listed them as served (issue #32); the run refused them."""
    from types import SimpleNamespace

    from experiments.toolkit.tasks import get, sources_of, unservable

    ctx = SimpleNamespace(data_dir=data_pack, profile="mini")
    for lang in ("kk", "th", "tl", "yo"):
        assert "has no validation split" in unservable(get("udpos"), "dev", lang, ctx)
    assert unservable(get("udpos"), "dev", "de", ctx) is None  # the pack serves it
    found, sources, _ = sources_of(get("tydiqa"), "dev", "ar", data_pack, "mini")
    assert found is None and sources[0].config == "tydiqa"  # the hub, not the answerless pack copy


def test_retrieval_computes_on_the_device_its_model_is_on(monkeypatch):
    """With CUDA present and the model on the CPU, 8f80a87 autocast 'cuda': the CPU then computed fp32
    under a stage key that says bf16."""
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaModel, XLMRobertaTokenizerFast

    from experiments.toolkit import offline_e5, retrieval

    seen = []
    real = torch.autocast
    monkeypatch.setattr(torch, "autocast", lambda device_type, **kw: seen.append(device_type) or real("cpu", **kw))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    tok = XLMRobertaTokenizerFast(tokenizer_file=str(offline_e5.tokenizer_file()))
    shape = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64}
    config = XLMRobertaConfig(vocab_size=len(tok), max_position_embeddings=66, **shape)
    retrieval.embed(XLMRobertaModel(config), tok, ["a sentence", "another"], precision="bf16")
    assert seen == ["cpu"]


def test_a_model_used_outside_the_trainer_is_placed_on_the_process_device(monkeypatch, data_pack):
    """Retrieval's encoder was loaded and never moved to the GPU (issue #32)."""
    from experiments.toolkit import training
    from experiments.transfer.pipeline import Pipeline

    monkeypatch.setattr(training, "device", lambda: "meta")  # a device other than the CPU, on any machine
    pipe = Pipeline.__new__(Pipeline)
    pipe.loaded = {}
    monkeypatch.setattr(Pipeline, "load", lambda self, source, head: __import__("torch").nn.Linear(2, 2))
    monkeypatch.setattr("experiments.toolkit.models.load_tokenizer", lambda source: None)
    model, _ = pipe.model("any", "retrieval")
    assert next(model.parameters()).device.type == "meta"


def test_full_averages_each_task_over_xtremes_languages_english_included():
    """XTREME's per-task score averages every language, English too (Hu et al. 2020, Table 2); until
    2026-12-08 every profile left English out. Zero-shot smoke and mini keep it out."""
    from types import SimpleNamespace

    from audit.profiles import Profile
    from experiments.toolkit.tasks import get
    from experiments.transfer.params import TransferParams
    from experiments.transfer.pipeline import Pipeline
    from tests.tiny import transfer_params

    full = TransferParams.SIZING[Profile.FULL]["english_in_average"]
    pipe = Pipeline(SimpleNamespace(profile=Profile.FULL, seed=0), transfer_params(english_in_average=full), None)
    counts = {t: len(pipe.languages(get(t))) for t in ("xnli", "pawsx", "udpos", "panx", "xquad", "mlqa", "tydiqa")}
    assert counts == {"xnli": 15, "pawsx": 7, "udpos": 33, "panx": 40, "xquad": 11, "mlqa": 7, "tydiqa": 9}
    assert "en" in pipe.languages(get("xnli")) and "eng" not in pipe.languages(get("tatoeba"))
    mini = Pipeline(SimpleNamespace(profile=Profile.MINI, seed=0), transfer_params(), None)
    assert "en" not in mini.languages(get("xnli")) and len(mini.languages(get("xnli"))) == 14


def test_the_trainer_reads_no_loss_on_the_host_each_micro_step(tmp_path):
    """transformers' logging_nan_inf_filter (default on) checks every micro-step's loss with a Python
    `if` on a device tensor, a sync per step on a GPU (issue #32); nothing is logged, so it is off."""
    from experiments.toolkit.training import arguments

    assert arguments(tmp_path, {"max_steps": 10}, seed=0).logging_nan_inf_filter is False
