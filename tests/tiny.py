"""A tiny tokenizer + random encoder for head tests, built from a few real pack sentences."""

from pathlib import Path

from experiments import models


def build(folder: Path, corpus: list[str]) -> Path:
    tok = models.train_tokenizer(corpus, folder / "tok", vocab_size=600)
    models.tiny_encoder(tok, seed=0, folder=folder / "enc")
    return folder / "enc"
