"""Seeding in one place (``audit.run.determinism``): heads, shuffles and perturbations derive from the run's seed."""

import hashlib
import random

import numpy as np
import pytest

from audit.run import determinism


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    from tests.tiny import build

    corpus = ["the cat sat on the mat", "der Hund schläft", "le chat dort", "el perro corre"] * 10
    return str(build(tmp_path_factory.mktemp("tiny"), corpus))


def head_of(encoder: str, seed: int) -> dict:
    """The freshly drawn classification head of a run with this seed, as the pipeline draws it."""
    from types import SimpleNamespace

    from experiments.transfer.experiment import Pipeline, TransferParams

    params = TransferParams.model_validate({"model": "x", "intermediate": [], "targets": [], "attention": "eager"})
    pipe = Pipeline(SimpleNamespace(seed=seed), params, cache=None)
    model = pipe.load(encoder, "sequence-classification", num_labels=3)
    return {k: v.clone() for k, v in model.state_dict().items() if k.startswith("classifier.")}


def test_two_runs_with_the_same_seed_draw_bit_identical_heads(encoder):
    import torch

    first = head_of(encoder, seed=7)
    # Whatever the process did in between moves every global generator.
    torch.rand(1000), random.random(), np.random.rand(10)
    second = head_of(encoder, seed=7)
    other = head_of(encoder, seed=8)
    assert first and all(torch.equal(first[k], second[k]) for k in first)
    assert any(not torch.equal(first[k], other[k]) for k in first)


def test_a_tiny_encoder_is_the_same_for_the_same_seed(tmp_path):
    from safetensors.torch import load_file

    from experiments.toolkit import models

    tok = models.train_tokenizer(["a b c d e f g", "h i j k"] * 20, tmp_path / "tok", vocab_size=100)
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        models.tiny_encoder(tok, seed=seed, folder=tmp_path / name)
    a, b, c = (load_file(tmp_path / n / "model.safetensors") for n in "abc")
    assert all((a[k] == b[k]).all() for k in a)
    assert any(not (a[k] == c[k]).all() for k in a)


def test_derived_draws_depend_on_their_parts_only():
    random.seed(1)
    first = determinism.derived_rng("char", "0.100000", 3, "Hallo Welt").random()
    random.seed(2)  # the global generator is not read
    assert determinism.derived_rng("char", "0.100000", 3, "Hallo Welt").random() == first
    assert determinism.derived_rng("char", "0.100000", 4, "Hallo Welt").random() != first


def test_perturbation_draws_keep_the_bits_of_earlier_versions():
    """Stored perturbation sweeps stay comparable: the derivation is SHA-256 of the NUL-joined parts."""
    from experiments.stability.perturb import rng_for

    digest = hashlib.sha256(b"char\x000.100000\x003\x00Hallo Welt").digest()
    earlier = random.Random(int.from_bytes(digest[:8], "big"))
    assert rng_for("char", "Hallo Welt", 0.1, 3).random() == earlier.random()


def test_no_experiment_module_seeds_a_global_generator_itself():
    """Every seed goes through audit.run.determinism (the bug of 753f8c3 was a second seeding site)."""
    import re

    from audit.settings import REPO_ROOT

    pattern = re.compile(r"manual_seed\(|np\.random\.seed\(|random\.seed\(|set_seed\(|random\.Random\(")
    found = [
        f"{path.relative_to(REPO_ROOT)}:{n}"
        for path in (REPO_ROOT / "experiments").rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []
