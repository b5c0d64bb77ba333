"""The speed paths change how fast, never what is measured.

- precision and attention: 'auto' resolves to a concrete choice, which joins the stage key;
- eager attention and SDPA compute the same outputs and gradients;
- the retrieval encoder stops at its pooled layer and embeds exactly as the full one;
- byte-identical tokenizers saved beside different encoders are parsed once.
"""

import shutil

import numpy as np
import pytest

from audit.errors import AuditError
from experiments.toolkit import models, retrieval, training
from tests.tiny import build

SENTENCES = ["Der Hund schläft im Garten.", "Ich trinke Kaffee.", "Es regnet heute.", "Wir fahren nach Berlin."]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return build(tmp_path_factory.mktemp("tiny"), SENTENCES * 20)


def test_auto_precision_resolves_to_a_concrete_one():
    assert training.resolve_precision("auto") in {"bf16", "fp32"}
    assert training.resolve_precision("fp32") == "fp32"
    assert training.resolve_precision("bf16") == "bf16"


@pytest.mark.parametrize(
    ("bf16_native", "capability", "chosen"),
    [(True, (9, 0), "bf16"), (False, (7, 5), "fp16"), (False, (6, 0), "fp32")],
)
def test_a_gpu_gets_native_bf16_else_loss_scaled_fp16_where_it_has_fp16_tensor_cores(
    monkeypatch, bf16_native, capability, chosen
):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: bf16_native)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)
    assert training.resolve_precision("auto") == chosen


def test_fp16_without_a_gpu_is_a_one_line_usage_error(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(AuditError, match="precision 'fp16' needs a CUDA GPU"):
        training.resolve_precision("fp16")


def test_an_unknown_precision_is_a_one_line_usage_error():
    with pytest.raises(AuditError, match="precision 'fp8' is not one of auto, bf16, fp16, fp32"):
        training.resolve_precision("fp8")


def test_the_resolved_precision_is_part_of_every_stage_key():
    from audit.profiles import Profile
    from experiments.transfer import experiment as transfer
    from tests.tiny import transfer_params

    class Ctx:
        params, profile, seed = transfer_params(precision="fp32", examples=8), Profile.MINI, 0

    ctx = Ctx()
    pipe = transfer.Pipeline(ctx, ctx.params, cache=None)
    trained = pipe.role_params("target")
    assert trained["precision"] == "fp32" and pipe.eval_spec()["precision"] == "fp32"
    assert trained["attention"] in {"eager", "sdpa"}
    assert pipe.eval_spec()["attention"] == trained["attention"]
    assert trained["threads"] == pipe.eval_spec()["threads"] == 1  # the regime, not the machine
    assert ctx.params.numerics() == {
        "precision": "fp32",
        "attention": trained["attention"],
        "threads": 1,
        "gradient_checkpointing": False,  # no GPU here: nothing to save memory on
        "ddp_processes": 1,  # nor GPUs to spread a stage over
    }
    assert trained["ddp_processes"] == 1  # and the count enters every training stage's key


def test_auto_attention_resolves_to_a_kernel_and_a_wrong_one_is_a_usage_error():
    assert training.resolve_attention("auto") in {"eager", "sdpa"}
    assert training.resolve_attention("sdpa") == "sdpa"
    with pytest.raises(AuditError, match="attention 'flash' is not one of auto, eager, sdpa"):
        training.resolve_attention("flash")


def test_eager_attention_and_sdpa_compute_the_same_logits_and_gradients(tiny):
    import torch

    tok = models.load_tokenizer(tiny)
    batch = tok(SENTENCES, padding=True, return_tensors="pt")  # padded: the mask matters
    out = {}
    for kernel in ("eager", "sdpa"):
        torch.manual_seed(0)  # the same fresh head for both
        model = models.with_head(tiny, "sequence-classification", attention=kernel, num_labels=3)
        loss = model(**batch, labels=torch.tensor([0, 1, 2, 0])).loss
        loss.backward()
        grad = model.base_model.encoder.layer[0].attention.self.query.weight.grad
        out[kernel] = (model.config._attn_implementation, loss.item(), grad.clone())
    assert (out["eager"][0], out["sdpa"][0]) == ("eager", "sdpa")
    assert out["eager"][1] == pytest.approx(out["sdpa"][1], abs=1e-5)
    assert torch.allclose(out["eager"][2], out["sdpa"][2], atol=1e-5)


def test_a_run_within_one_save_interval_writes_no_checkpoint(tmp_path):
    args = lambda **p: training.arguments(tmp_path, {"save_steps": 50, **p}, seed=0)  # noqa: E731
    assert str(args(max_steps=48).save_strategy) in {"no", "SaveStrategy.NO"}
    assert str(args(max_steps=60).save_strategy) in {"steps", "SaveStrategy.STEPS"}
    assert str(args(epochs=2).save_strategy) in {"steps", "SaveStrategy.STEPS"}  # full profile: epochs


def test_the_retrieval_encoder_stops_at_the_pooled_layer_and_embeds_the_same(tiny):
    from transformers import AutoModel

    cut, tok = models.with_head(tiny, "retrieval"), models.load_tokenizer(tiny)
    full = AutoModel.from_pretrained(str(tiny))
    layer = models.retrieval_layer(full.config.num_hidden_layers)
    assert cut.config.num_hidden_layers == layer < full.config.num_hidden_layers + 1
    assert np.allclose(retrieval.embed(cut, tok, SENTENCES), retrieval.embed(full, tok, SENTENCES), atol=1e-6)


def test_bf16_embeddings_stay_close_to_fp32(e5_source):
    model, tok = models.with_head(e5_source, "retrieval"), models.load_tokenizer(e5_source)
    fp32 = retrieval.embed(model, tok, SENTENCES)
    bf16 = retrieval.embed(model, tok, SENTENCES, precision="bf16")
    assert (fp32 * bf16).sum(axis=1).min() > 0.999


def test_identical_tokenizers_beside_different_encoders_are_parsed_once(tiny, tmp_path):
    copy = shutil.copytree(tiny, tmp_path / "copy")
    assert models.load_tokenizer(copy) is models.load_tokenizer(tiny)
    (copy / "tokenizer.json").write_text((copy / "tokenizer.json").read_text() + "\n")  # same vocabulary, new bytes
    assert models.load_tokenizer(copy) is not models.load_tokenizer(tiny)
