"""Records -> model inputs, one encoder per format, through ``datasets.Dataset.map``.

Labels: pair labels become indices into the task's label list; tags are labelled on
each word's first sub-word only (the rest get -100, ignored by the loss), as XTREME does.
Extractive QA lives in ``experiments.toolkit.qa``.
"""

from __future__ import annotations

IGNORE = -100
MLM_PROBABILITY = 0.15  # BERT's masking rate, as in XLM-R's pre-training


def dataset(records: list[dict]):
    import datasets

    return datasets.Dataset.from_list(records)


def tokenized(records: list[dict], fn):
    """``records`` mapped through the batched ``fn``, which replaces every column.

    The datasets here live in memory and never hit the map cache, so the fingerprint that
    names a cache entry need not be derived from ``fn``: deriving it dill-pickles the
    tokenizer inside ``fn`` (about 3 s a call on e5's 250k vocabulary, half of a
    mini-profile run's time when measured). A fresh random one is given instead.
    """
    import uuid

    ds = dataset(records)
    return ds.map(fn, batched=True, remove_columns=ds.column_names, new_fingerprint=uuid.uuid4().hex)


def label_ids(labels: list, names: list[str] | None) -> list[int]:
    """File labels (strings like 'neutral' or '1', or hub ints) as indices."""
    if names is None:
        return [int(v) for v in labels]
    return [v if isinstance(v, int) else names.index(str(v)) for v in labels]


def encode_pair(tok, records: list[dict], names: list[str] | None, max_length: int):
    def fn(batch):
        enc = tok(batch["text_a"], batch["text_b"], truncation=True, max_length=max_length)
        return {**enc, "labels": label_ids(batch["label"], names)}

    return tokenized(records, fn)


def encode_choice(tok, records: list[dict], max_length: int):
    def fn(batch):
        firsts = [c for c, choices in zip(batch["context"], batch["choices"], strict=True) for _ in choices]
        seconds = [e for choices in batch["choices"] for e in choices]
        enc = tok(firsts, seconds, truncation=True, max_length=max_length)
        sizes = [len(c) for c in batch["choices"]]
        out, start = {k: [] for k in enc}, 0
        for size in sizes:
            for k, v in enc.items():
                out[k].append(v[start : start + size])
            start += size
        return {**out, "labels": [int(v) for v in batch["label"]]}

    return tokenized(records, fn)


def first_subword_labels(word_ids: list[int | None], tags: list[str], tag2id: dict[str, int]) -> list[int]:
    labels, previous = [], None
    for word in word_ids:
        labels.append(IGNORE if word is None or word == previous else tag2id.get(tags[word], IGNORE))
        previous = word
    return labels


def encode_tags(tok, records: list[dict], tag2id: dict[str, int], max_length: int):
    def fn(batch):
        enc = tok(batch["tokens"], is_split_into_words=True, truncation=True, max_length=max_length)
        labels = [first_subword_labels(enc.word_ids(i), tags, tag2id) for i, tags in enumerate(batch["tags"])]
        return {**enc, "labels": labels}

    return tokenized(records, fn)


def collator(head: str, tok):
    import transformers

    if head == "multiple-choice":
        return transformers.DataCollatorForMultipleChoice(tok)
    if head == "token-classification":
        return transformers.DataCollatorForTokenClassification(tok)
    if head == "masked-lm":
        return transformers.DataCollatorForLanguageModeling(tok, mlm=True, mlm_probability=MLM_PROBABILITY)
    return transformers.DataCollatorWithPadding(tok)
