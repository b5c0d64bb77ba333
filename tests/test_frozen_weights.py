"""A checkpoint keeps only the weights that trained (#31): frozen word embeddings are read back from their model.

The check that matters is that nothing a run computes changes: the slim checkpoint must load
to the same tensors, and a new head on it must draw the same initial weights under the same
seed, as from the whole checkpoint. A test that compared the slim copy with itself could not fail.
"""

from __future__ import annotations

import json

import pytest
import torch

from audit.contract import Unverifiable, seed_all
from experiments.toolkit import models
from tests import tiny

CORPUS = [f"sentence number {i} about cats and dogs and {i * 7} birds" for i in range(200)]


@pytest.fixture
def trained(tmp_path):
    """A tiny encoder whose word embeddings were frozen while everything else moved."""
    base = tiny.build(tmp_path, CORPUS)
    model = models.with_head(base, "sequence-classification", num_labels=3)
    model.base_model.embeddings.word_embeddings.weight.requires_grad_(False)
    with torch.no_grad():
        for p in model.parameters():
            if p.requires_grad:
                p.add_(0.01)
    return base, model, models.load_tokenizer(base)


def _loaded(folder, head="sequence-classification", **config):
    seed_all(7)
    return dict(models.with_head(folder, head, **config).state_dict())


def test_a_slim_checkpoint_loads_to_the_whole_ones_tensors_and_head(trained, tmp_path):
    base, model, tok = trained
    models.save_encoder(model, tok, tmp_path / "whole")
    models.save_encoder(model, tok, tmp_path / "slim", frozen_from=str(base))
    marker = json.loads((tmp_path / "slim" / models.FROZEN).read_text())
    assert marker == {models.WORD_EMBEDDINGS: str(base)}
    slim, whole = (tmp_path / n / "model.safetensors" for n in ("slim", "whole"))
    assert slim.stat().st_size < whole.stat().st_size
    for head, config in [("sequence-classification", {"num_labels": 3}), ("retrieval", {})]:
        a, b = _loaded(tmp_path / "slim", head, **config), _loaded(tmp_path / "whole", head, **config)
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), head


def test_embeddings_that_trained_are_saved_whole(trained, tmp_path):
    base, model, tok = trained
    model.base_model.embeddings.word_embeddings.weight.requires_grad_(True)
    models.save_encoder(model, tok, tmp_path / "out", frozen_from=str(base))
    assert not (tmp_path / "out" / models.FROZEN).exists()


def test_an_origin_without_the_tensor_is_one_clear_error(trained, tmp_path):
    base, model, tok = trained
    models.save_encoder(model, tok, tmp_path / "slim", frozen_from=str(tmp_path / "nowhere"))
    (tmp_path / "nowhere").mkdir()
    with pytest.raises(Unverifiable, match="should come from"):
        models.with_head(tmp_path / "slim", "retrieval")
