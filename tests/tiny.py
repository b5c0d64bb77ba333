"""A tiny tokenizer + random encoder for head tests, built from a few real pack sentences."""

from pathlib import Path

from experiments.toolkit import models


def build(folder: Path, corpus: list[str]) -> Path:
    tok = models.train_tokenizer(corpus, folder / "tok", vocab_size=600)
    models.tiny_encoder(tok, seed=0, folder=folder / "enc")
    return folder / "enc"


def transfer_params(**given):
    """``TransferParams`` as a run resolves them, with what a test sets over the experiment's defaults."""
    from experiments.transfer.experiment import TransferParams

    base = {**TransferParams.GIVEN, "model": "m", "intermediate": [], "targets": []}
    return TransferParams.model_validate({**base, **given}).resolved()
