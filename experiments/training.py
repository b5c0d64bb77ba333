"""Training through the HF Trainer, resumable, with the run's seed.

The Trainer keeps checkpoints (safetensors) in the stage folder; a stage interrupted
mid-training finds its last checkpoint there and resumes from it. On a GPU the run uses
bf16 and pinned data loading; on a CPU neither.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DEFAULTS = {"learning_rate": 1e-5, "warmup_ratio": 0.1, "batch_size": 8, "max_steps": 100, "save_steps": 50}


def quiet() -> None:
    """Silence per-load reports and progress bars; runs report through the audit."""
    import datasets
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()


def arguments(folder: Path, params: dict[str, Any], seed: int):
    import torch
    from transformers import TrainingArguments

    p = {**DEFAULTS, **params}
    cuda = torch.cuda.is_available()
    return TrainingArguments(
        output_dir=str(folder / "trainer"), per_device_train_batch_size=p["batch_size"],
        per_device_eval_batch_size=max(p["batch_size"], 32), learning_rate=p["learning_rate"],
        warmup_steps=p["warmup_ratio"], max_steps=p["max_steps"], save_strategy="steps",  # a ratio when < 1
        save_steps=p["save_steps"], save_total_limit=1, logging_strategy="no", report_to=[],
        disable_tqdm=True, seed=seed, data_seed=seed, use_cpu=not cuda, bf16=cuda,
        dataloader_pin_memory=cuda,
    )  # fmt: skip


def trainer(model, args, tok, collator, train_ds=None):
    """A Trainer that logs nothing to stdout, where the audit prints its tables."""
    from transformers import Trainer
    from transformers.trainer_callback import PrinterCallback

    t = Trainer(model=model, args=args, data_collator=collator, train_dataset=train_ds, processing_class=tok)
    t.remove_callback(PrinterCallback)
    return t


def fit(model, tok, train_ds, collator, folder: Path, params: dict[str, Any], seed: int) -> int:
    """Train; returns the optimisation steps this call executed (0 when nothing was left)."""
    from transformers.trainer_utils import get_last_checkpoint

    args = arguments(folder, params, seed)
    last = get_last_checkpoint(args.output_dir) if Path(args.output_dir).is_dir() else None
    trainer_ = trainer(model, args, tok, collator, train_ds)
    before = int(Path(last).name.split("-")[-1]) if last else 0
    trainer_.train(resume_from_checkpoint=last)
    return trainer_.state.global_step - before


def predict(model, tok, ds, collator, params: dict[str, Any]):
    """Raw predictions (logits) for a dataset."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return trainer(model, arguments(Path(tmp), params, seed=0), tok, collator).predict(ds).predictions
