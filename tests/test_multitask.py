"""Multi-task phase 1: heads share one encoder, the Trainer drives mixed one-task batches."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file

from experiments.toolkit import features, models, multitask
from experiments.toolkit.training import fit, quiet
from tests.tiny import build

CORPUS = ["the cat sat on the mat", "der Hund schläft", "le chat dort", "a dog runs fast"] * 10


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    quiet()
    enc = build(tmp_path_factory.mktemp("tiny"), CORPUS)
    return enc, models.load_tokenizer(enc)


def _model(enc):
    heads = {
        "nli": models.with_head(enc, "sequence-classification", num_labels=3),
        "mlm": models.with_head(enc, "masked-lm"),
    }
    return multitask.MultiTask(heads)


def _data(model, tok, seed=0):
    pairs = features.encode_pair(tok, [{"text_a": "a b", "text_b": "c", "label": i % 3} for i in range(12)], None, 16)
    text = multitask.mlm_features(tok, CORPUS[:12], 16)
    return multitask.Batches(
        multitask.batches(0, pairs, features.collator("sequence-classification", tok), model.heads["nli"], 4, seed)
        + multitask.batches(1, text, features.collator("masked-lm", tok), model.heads["mlm"], 4, seed)
    )


def test_heads_share_one_encoder_object(tiny):
    model = _model(tiny[0])
    assert model.heads["nli"].base_model is model.heads["mlm"].base_model is model.base_model
    # the masked-LM decoder stays tied to the input embeddings, now the shared ones
    assert model.heads["mlm"].lm_head.decoder.weight is model.base_model.embeddings.word_embeddings.weight


def test_checkpoints_hold_each_shared_tensor_once(tiny):
    model = _model(tiny[0])
    names = list(model.state_dict())
    assert sum(".embeddings.word_embeddings.weight" in n for n in names) == 1
    assert len(names) < len(torch.nn.Module.state_dict(model))


def test_batches_are_one_task_each_and_tagged(tiny):
    enc, tok = tiny
    model = _model(enc)
    data = _data(model, tok)
    assert len(data) == 6  # 12 pairs + 12 sentences in batches of 4
    tasks = [multitask.task_of(b["task"]) for b in data.batches]
    assert tasks == [0, 0, 0, 1, 1, 1] and all(len(b["task"]) == len(b["input_ids"]) for b in data.batches)
    assert "labels" in data.batches[3] and data.batches[3]["labels"].shape == data.batches[3]["input_ids"].shape


def test_the_head_is_chosen_without_reading_the_tag_off_the_device(tiny):
    """The mix read int(task) every micro-step, a host sync on a GPU (issue #32): a tag on the meta
    device has no values to read, so this fails if forward reads one."""
    enc, tok = tiny
    model = _model(enc)
    batch = dict(_data(model, tok).batches[0])
    batch["task"] = torch.empty(batch["task"].shape, device="meta")
    assert model(**batch)["loss"].isfinite()


def test_the_trainer_updates_the_shared_encoder_from_both_tasks(tiny, tmp_path):
    enc, tok = tiny
    model = _model(enc)
    before = model.base_model.encoder.layer[0].attention.self.query.weight.detach().clone()
    params = {**multitask.TRAINER_PARAMS, "max_steps": 6, "save_steps": 3, "learning_rate": 1e-3}
    assert fit(model, tok, _data(model, tok), multitask.unwrap, tmp_path, params, seed=0) == (6, 6)
    assert not torch.equal(before, model.base_model.encoder.layer[0].attention.self.query.weight)
    saved = load_file(str(tmp_path / "trainer" / "checkpoint-6" / "model.safetensors"))
    assert any("word_embeddings" in k for k in saved)


def test_a_mix_resumes_from_its_last_checkpoint(tiny, tmp_path):
    enc, tok = tiny
    params = {**multitask.TRAINER_PARAMS, "save_steps": 3, "learning_rate": 1e-3}
    first = _model(enc)
    # 4 steps, past one save interval: checkpoints at 3 and at its last step, 4
    assert fit(first, tok, _data(first, tok), multitask.unwrap, tmp_path, {**params, "max_steps": 4}, seed=0) == (4, 4)
    second = _model(enc)  # a fresh process would start from the base weights
    resumed = fit(second, tok, _data(second, tok), multitask.unwrap, tmp_path, {**params, "max_steps": 6}, seed=0)
    assert resumed == (6, 2)  # 6 steps in all, 2 of them in this call
    trained = first.base_model.encoder.layer[0].attention.self.query.weight
    assert not torch.equal(trained, _model(enc).base_model.encoder.layer[0].attention.self.query.weight)


def test_the_masked_positions_only_loss_equals_the_heads_own(tiny):
    enc, tok = tiny
    from experiments.toolkit import models

    torch.manual_seed(0)  # the collator draws the masks
    head = models.with_head(enc, "masked-lm").eval()
    sentences = [tok("Der Hund schläft im Garten."), tok("Ich trinke heute Kaffee.")] * 4
    batch = features.collator("masked-lm", tok)(sentences)
    assert (batch["labels"] != -100).any()
    with torch.no_grad():
        assert torch.allclose(multitask.masked_lm_loss(head, **batch)["loss"], head(**batch).loss, atol=1e-5)


def test_the_masked_lm_text_is_in_the_stage_key_and_never_tatoeba_at_full(tmp_path):
    """Tatoeba's sentences serve as masked-LM text past the pairs evaluation scores; full scores them all."""
    from audit.errors import Unverifiable
    from audit.profiles import Profile
    from experiments.toolkit.tasks import get
    from experiments.transfer.pipeline import Pipeline
    from tests.test_full_routing import Ctx
    from tests.tiny import transfer_params

    def spec(profile, **params):
        pipe = Pipeline(Ctx(tmp_path, profile), transfer_params(**params), cache=None)
        return pipe.mix_spec([get("mnli")], mlm=True)

    assert spec(Profile.SMOKE, examples=16)["mlm_text"] == {"source": "tatoeba", "skip_pairs": 16}
    assert spec(Profile.SMOKE, examples=16) != spec(Profile.SMOKE, examples=16, eval_examples=32)
    with pytest.raises(Unverifiable, match="Tatoeba sentences, used at smoke and mini, are ones the full profile"):
        spec(Profile.FULL)
