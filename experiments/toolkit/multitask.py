"""Phase 1 on several tasks at once: task heads over one shared encoder, trained by the HF Trainer.

Two claims need it. multitask-gain trains on a mix of the intermediate tasks, as the
paper's multi-task run does. english-beats-mlm adds continued multilingual masked-LM
to an English intermediate task.

How the mix is built:
- Each task keeps its own transformers Auto head (sequence classification, multiple
  choice, QA, masked LM ...). All the heads are given the same encoder object, so every
  optimiser step updates the encoder, whichever task the batch came from.
- Batches hold one task each, since heads take differently shaped inputs. They are
  padded by that task's own collator.
- The Trainer's seeded sampler shuffles the batches of all tasks together. Each task
  therefore contributes in proportion to its number of examples: examples-proportional
  mixing.

The Trainer drives it through a one-batch-per-item dataset and an unwrapping collator,
so no training loop is written here. Checkpoints store each shared tensor once, and
resuming loads them back non-strictly into the shared modules. Under DDP each one-task
batch is split over the processes (``experiments.toolkit.distributed``), so every row of a batch
carries its task's tag. The tag is a tensor's width (``tag``), not its value: the host reads
a shape without waiting for the GPU, where reading a value would sync every micro-step.
"""

from __future__ import annotations

import inspect

import torch

from audit.contract import determinism

MLM = "mlm"  # the masked-LM head's name in a mix
# One pre-collated batch per item; the batches already hold only what their head takes.
TRAINER_PARAMS = {"batch_size": 1, "remove_unused_columns": False, "pre_collated": True}


class MultiTask(torch.nn.Module):
    """Several heads over one encoder; ``forward(task=i, ...)`` runs head i."""

    # The Trainer consults this when a checkpoint lacks keys; ours lacks only the aliases.
    _keys_to_ignore_on_save = None

    def __init__(self, heads: dict[str, torch.nn.Module]):
        super().__init__()
        first = next(iter(heads.values()))
        # Multiple-choice heads read the pooled output, so share an encoder that has a pooler.
        pooled = [h.base_model for h in heads.values() if getattr(h.base_model, "pooler", None) is not None]
        shared = (pooled or [first.base_model])[0]
        for head in heads.values():
            setattr(head, head.base_model_prefix, shared)
            head.tie_weights()  # a masked-LM decoder is XLM-R's input embeddings: now the shared ones
        self.names = list(heads)
        self.heads = torch.nn.ModuleDict(heads)
        self.config = first.config  # the Trainer reads a few settings from here

    def activation_checkpointing_enable(self, **kwargs) -> None:
        """The Trainer's memory switch, passed to each head (they share one encoder)."""
        for head in self.heads.values():
            enable = getattr(head, "activation_checkpointing_enable", None) or head.gradient_checkpointing_enable
            enable(**kwargs)

    gradient_checkpointing_enable = activation_checkpointing_enable  # the name transformers 4.x calls

    @property
    def base_model(self):
        return self.heads[self.names[0]].base_model

    def forward(self, task, **batch):
        batch.pop("num_items_in_batch", None)  # a Trainer hint that heads need not accept
        name = self.names[task_of(task)]
        return masked_lm_loss(self.heads[name], **batch) if name == MLM else self.heads[name](**batch)

    def state_dict(self, *args, **kwargs):
        """Each shared tensor once: safetensors refuses aliased tensors."""
        full = super().state_dict(*args, **kwargs)
        seen: set[tuple[int, tuple]] = set()
        out = {}
        for key, value in full.items():
            ident = (value.data_ptr(), tuple(value.shape))
            if ident not in seen:
                seen.add(ident)
                out[key] = value
        return out


def masked_lm_loss(head, labels, **inputs) -> dict:
    """The masked-LM loss from the masked positions only.

    The same loss as the head's own forward, which projects every token onto the 250k-piece
    vocabulary; only the 15% masked ones count, so the rest of that projection (most of an
    MLM step's cost on e5-small) is skipped.
    """
    hidden = head.base_model(**inputs).last_hidden_state
    kept = labels != -100
    logits = (head.cls if hasattr(head, "cls") else head.lm_head)(hidden[kept])
    return {"loss": torch.nn.functional.cross_entropy(logits.float(), labels[kept])}


class Batches(torch.utils.data.Dataset):
    """Pre-collated one-task batches; the Trainer draws one per step (batch size 1)."""

    def __init__(self, batches: list[dict]):
        self.batches = batches

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, i: int) -> dict:
        return self.batches[i]


def tag(rows: int, task_index: int):
    """A batch's task tag: one row per example (DDP splits it with the batch), the task in its width."""
    return torch.zeros((rows, task_index + 1), dtype=torch.bool)


def task_of(tagged) -> int:
    """The task of a tagged batch, read from the tag's shape: no device-to-host copy."""
    return tagged.shape[-1] - 1


def unwrap(items: list[dict]) -> dict:
    [batch] = items
    return batch


def batches(task_index: int, features, collator, head, batch_size: int, seed: int, processes: int = 1) -> list[dict]:
    """One task's examples, shuffled with the run's seed and collated into tagged batches.

    Columns the head does not take (QA's offsets and ids) are dropped here, as the Trainer
    would drop them from a ``datasets.Dataset``. Over several DDP processes, the last batch
    is completed with the task's first rows to a multiple of their number, so every batch
    splits evenly (as accelerate completes an epoch's last batch).
    """
    keep = set(inspect.signature(head.forward).parameters)
    rows = [{k: v for k, v in features[i].items() if k in keep} for i in range(len(features))]
    determinism.rng(seed).shuffle(rows)
    short = -len(rows) % batch_size % processes  # rows the last batch lacks (batch_size splits evenly)
    rows += (rows * processes)[:short]
    determinism.seed_all(seed)  # MLM masks are drawn while collating
    out = []
    for start in range(0, len(rows), batch_size):
        batch = collator(rows[start : start + batch_size])
        out.append({**batch, "task": tag(len(batch["input_ids"]), task_index)})
    return out


def mixed(model: MultiTask, tok, parts: list, seed: int, processes: int = 1) -> Batches:
    """Every part's tagged batches (``distributed.Part``: features, head kind, batch size), in one dataset."""
    from experiments.toolkit import features

    out = []
    for i, (part, head) in enumerate(zip(parts, model.heads.values(), strict=True)):
        collator = features.collator(part.head, tok)
        out += batches(i, part.features, collator, head, part.batch_size, seed, processes)
    return Batches(out)


def mlm_features(tok, sentences: list[str], max_length: int):
    from experiments.toolkit.features import tokenized

    return tokenized([{"text": s} for s in sentences], lambda b: tok(b["text"], truncation=True, max_length=max_length))


# At full, every Tatoeba pair is scored, so Tatoeba's sentences cannot also be masked-LM text;
# the paper's text for it (Wikipedia in the target languages) is not routed here.
MLM_AT_FULL = (
    "continued masked-LM at full needs the paper's multilingual text (Wikipedia), which is not "
    "routed; the pack's Tatoeba sentences, used at smoke and mini, are ones the full profile "
    "evaluates on, so they cannot stand in"
)


def mlm_text(pipe) -> dict:
    """Where a run's masked-LM text comes from, as its stage spec says: Tatoeba's non-English
    sides past the pairs that Tatoeba evaluation scores at this run's size."""
    from audit.contract import Unverifiable
    from experiments.toolkit.tasks import get

    if pipe.profile == "full":
        raise Unverifiable(MLM_AT_FULL)
    return {"source": "tatoeba", "skip_pairs": pipe.setting(get("tatoeba"), "eval_examples") or 0}


def mlm_corpus(ctx, text: dict, examples: int | None) -> list[str]:
    """The masked-LM sentences ``text`` names (``mlm_text``): round-robin over the XTREME Tatoeba
    languages, each language's first ``skip_pairs`` pairs left out, capped at ``examples``."""
    from audit.contract import Unverifiable
    from experiments.toolkit.tasks import get, load_records

    task, skip = get(text["source"]), text["skip_pairs"]
    per_lang = []
    for lang in task.languages:
        try:
            per_lang.append(load_records(task, "dev", lang, ctx)[0]["source"][skip:])
        except Unverifiable:
            continue
    if not per_lang:
        raise Unverifiable("continued MLM needs non-English text; no Tatoeba file is available")
    mixed = [s for group in zip(*per_lang, strict=False) for s in group]
    return mixed[:examples] if examples else mixed
