"""Training through the HF Trainer, resumable, with the run's seed.

The Trainer keeps checkpoints (safetensors) in the stage folder; a stage interrupted
mid-training finds its last checkpoint there and resumes from it. On a GPU the run uses
pinned data loading. The precision is a param (``auto`` by default): bf16 autocast where
the hardware computes bf16 natively (a CUDA GPU, or a CPU with AVX512-BF16 or AMX, where
it trains about 2x and embeds about 3x faster than fp32), else fp32. The resolved value
is part of every stage key, so bf16 and fp32 results never share a cache entry.

On a GPU, bf16 is chosen only where the card computes it natively (compute capability 8
and up: A100, H100, L4 ...); on older cards torch would emulate it, slower than fp32. There,
fp16 autocast with loss scaling (the Trainer's gradient scaler) is chosen on cards with fp16
tensor cores (compute capability 7: V100, T4), and fp32 below that.

Memory: a step holds ``batch_size`` examples and ``grad_accumulation`` steps make one
optimiser step (the full profile's 4 x 8 of jiant). ``gradient_checkpointing`` (``auto``)
recomputes activations in the backward pass on a GPU with less than 40 GiB, where XLM-R
Large at length 256-384 would not fit otherwise; it changes the memory, not the maths.

The loss of an accumulated step is the mean over its micro-batches, as in jiant: each head
averages its batch, and the Trainer divides by the accumulation steps (``trainer``). Several
GPUs to a stage train through ``experiments.toolkit.distributed`` (DDP); inside one of its ranks,
``arguments`` splits each step's batch over the processes.

The attention kernel is a param too (``auto``): eager attention on a CPU, where the fused
SDPA kernel's backward pass took 42% of a bf16 training step of e5-small at length 64
(a step took 0.34 s eager against 0.49 s with SDPA, the same optimiser, 2026-12-01), and SDPA on a GPU. The
two compute the same attention; the resolved kernel joins the stage key like the precision.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
from pathlib import Path
from typing import Any, NamedTuple

from audit.contract import AuditError
from experiments.toolkit import selection

DEFAULTS = {"learning_rate": 1e-5, "warmup_ratio": 0.1, "batch_size": 8, "max_steps": 100, "save_steps": 50}
# The Trainer's settings every training stage fixes instead of inheriting, so that a transformers
# release with other defaults cannot change what ran, and a plan and a record can say them all.
CONSTANTS = {
    "grad_accumulation": 1,
    "max_grad_norm": 1.0,
    "weight_decay": 0.0,  # jiant's XTREME runs: 0.01 (tasks.yaml schedules.full)
    "optim": "adamw_torch_fused",  # transformers 5's default with torch >= 2.8 (fused on CPU too)
    "lr_scheduler_type": "linear",
    "adam_beta1": 0.9,
    "adam_beta2": 0.999,
    "adam_epsilon": 1e-8,
    # Off: the Trainer's NaN/inf filter of the logged loss reads the loss on the host every
    # micro-step (a GPU sync); nothing is logged (logging_strategy "no"), so it filters nothing.
    "logging_nan_inf_filter": False,
}


def training_values(params: dict[str, Any]) -> dict[str, Any]:
    """Every value a training stage computes with: its settings over the defaults and the Trainer's constants."""
    return {**CONSTANTS, **DEFAULTS, **params}


def quiet() -> None:
    """Silence per-load reports and progress bars; runs report through the audit."""
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    try:
        import datasets
    except ImportError:  # a bare GPU image (benchmarks/device_check.py) may lack it
        return
    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()


PRECISIONS = ("auto", "bf16", "fp16", "fp32")
FP16_FROM_CAPABILITY = 7  # fp16 tensor cores (V100, T4); older cards compute fp16 no faster than fp32
ATTENTIONS = ("auto", "eager", "sdpa")


def _requested(param: str, value: str, choices: tuple[str, ...]) -> str | None:
    """A valid explicit choice as it is, None for 'auto'; anything else is a one-line usage error."""
    if value not in choices:
        raise AuditError(f"{param} '{value}' is not one of {', '.join(choices)}; fix the claim's params")
    return None if value == "auto" else value


def resolve_precision(requested: str = "auto") -> str:
    """'auto' becomes bf16 where bf16 matrix work is native (else it is emulated, and slower), fp16 on older GPUs."""
    import torch

    if chosen := _requested("precision", requested, PRECISIONS):
        if chosen == "fp16" and not torch.cuda.is_available():
            raise AuditError("precision 'fp16' needs a CUDA GPU (loss-scaled fp16 training); use bf16 or fp32 here")
        return chosen
    if torch.cuda.is_available():  # emulated bf16 (before compute capability 8) is slower than fp32
        if torch.cuda.is_bf16_supported(including_emulation=False):
            return "bf16"
        return "fp16" if torch.cuda.get_device_capability(0)[0] >= FP16_FROM_CAPABILITY else "fp32"
    native = [getattr(torch.cpu, f, lambda: False) for f in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    return "bf16" if any(f() for f in native) else "fp32"


def resolve_attention(requested: str = "auto") -> str:
    """'auto' becomes SDPA on a GPU and eager attention on a CPU (see the module docstring)."""
    if chosen := _requested("attention", requested, ATTENTIONS):
        return chosen
    import torch

    return "sdpa" if torch.cuda.is_available() else "eager"


def resolve_processes(requested: int | str = "auto") -> int:
    """'auto' becomes the number of GPUs a stage of this process may use (``--gpus-per-stage``), or 1.

    An explicit count runs that many DDP processes: on GPUs it must not exceed the stage's
    group; without GPUs they share the CPU (gloo), which is how the tests run DDP.
    """
    from audit.contract import gpus

    group = gpus.stage_group()
    if requested == "auto":
        return max(1, len(group))
    if isinstance(requested, bool) or not isinstance(requested, int) or requested < 1:
        raise AuditError(f"ddp_processes '{requested}' is not 'auto' or a positive integer; fix the claim's params")
    if group and requested > len(group):
        raise AuditError(
            f"ddp_processes {requested} needs {requested} GPUs a stage; this process has {len(group)}: "
            f"run with --gpus-per-stage {requested}"
        )
    return requested


CHECKPOINTING_BELOW_GIB = 40  # GPUs smaller than this recompute activations (see the module docstring)


def resolve_checkpointing(requested: bool | str = "auto") -> bool:
    """'auto' becomes True on a CUDA GPU with less than 40 GiB, else False; a bool is kept."""
    if isinstance(requested, bool):
        return requested
    if requested != "auto":
        raise AuditError(
            f"gradient_checkpointing '{requested}' is not one of auto, true, false; fix the claim's params"
        )
    import torch

    if not torch.cuda.is_available():
        return False
    return torch.cuda.get_device_properties(0).total_memory < CHECKPOINTING_BELOW_GIB * 2**30


def device() -> str:
    """Where this process computes: its GPU (the worker's pinned one, ``audit.run.gpus``) where there is one.

    The Trainer places the models it trains and scores; a model used outside it (retrieval's
    encoder, the stability sweeps) is placed here by ``Pipeline.model``.
    """
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def autocast(precision: str, device_type: str):
    """The context for forward passes outside the Trainer, on the device the model is on.

    Until issue #32 it chose "cuda" whenever CUDA existed: a model left on the CPU then computed
    fp32 under a stage key that says bf16.
    """
    if precision not in ("bf16", "fp16"):
        return contextlib.nullcontext()
    import torch

    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device_type, dtype=dtype)


@functools.cache
def _checkpointing_arg() -> str:
    """transformers 5 renamed the memory switch ``activation_checkpointing``; 4.x knows the old name."""
    import inspect

    from transformers import TrainingArguments

    new = "activation_checkpointing" in inspect.signature(TrainingArguments).parameters
    return "activation_checkpointing" if new else "gradient_checkpointing"


def arguments(folder: Path, params: dict[str, Any], seed: int, selecting: bool = False):
    import torch
    from transformers import TrainingArguments

    p = training_values(params)
    cuda = torch.cuda.is_available()
    steps = -1 if p.get("epochs") else p["max_steps"]
    # A run no longer than one save interval only checkpoints after its last step, which
    # resumes nothing: the stage saves what it keeps itself.
    save = "no" if 0 < steps <= p["save_steps"] else "steps"
    saving = (
        _selection(p) if selecting else {"save_strategy": save, "save_steps": p["save_steps"], "save_total_limit": 1}
    )
    return TrainingArguments(
        **_distributed(p),
        output_dir=str(folder / "trainer"),
        per_device_train_batch_size=p["batch_size"],
        gradient_accumulation_steps=p["grad_accumulation"],
        **{_checkpointing_arg(): bool(p.get("gradient_checkpointing"))},
        max_grad_norm=p["max_grad_norm"],
        weight_decay=p["weight_decay"],
        per_device_eval_batch_size=max(p["batch_size"], 32),
        learning_rate=p["learning_rate"],
        optim=p["optim"],
        lr_scheduler_type=p["lr_scheduler_type"],
        adam_beta1=p["adam_beta1"],
        adam_beta2=p["adam_beta2"],
        adam_epsilon=p["adam_epsilon"],
        warmup_steps=p["warmup_ratio"],
        **saving,
        # Epochs (the full profile's per-task settings) when given, else a fixed number of steps.
        num_train_epochs=p.get("epochs") or 1,
        max_steps=steps,
        logging_strategy="no",
        logging_nan_inf_filter=p["logging_nan_inf_filter"],
        report_to=[],
        disable_tqdm=True,
        seed=seed,
        data_seed=seed,
        use_cpu=not cuda,
        bf16=p.get("precision") == "bf16",
        fp16=p.get("precision") == "fp16",  # the Trainer scales the loss (torch.amp.GradScaler)
        dataloader_pin_memory=cuda,
        remove_unused_columns=p.get("remove_unused_columns", True),
    )


def world_size() -> int:
    """How many processes train together: torchrun's ``WORLD_SIZE`` inside a DDP rank, else 1."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def _distributed(p: dict[str, Any]) -> dict[str, Any]:
    """Under DDP (a torchrun rank), each step's batch is split over the processes (``experiments.toolkit.distributed``).

    A mix's items are whole one-task batches: rank 0 reads each and hands out slices
    (``dispatch_batches``), and a step leaves the other tasks' heads unused, which DDP must expect.
    """
    if world_size() == 1:
        return {}
    whole = bool(p.get("pre_collated"))
    return {
        "accelerator_config": {"split_batches": True, "dispatch_batches": whole},
        "ddp_find_unused_parameters": whole,
        "average_tokens_across_devices": False,  # our heads' losses are means already
    }


def _selection(p: dict[str, Any]) -> dict[str, Any]:
    """Dev-based checkpoint selection, as jiant's XTREME runs do it (the full schedule's ``select_*``).

    Every ``select_every`` optimiser steps the model is scored on held-out English items of
    its training task, by the task's metric (``select_metric``: ``experiments.toolkit.selection``); the
    best checkpoint is the one the stage keeps, and training stops after ``select_patience``
    evaluations without a better one.
    """
    every = p["select_every"]
    return {
        "eval_strategy": "steps",
        "eval_steps": every,
        "save_strategy": "steps",
        "save_steps": every,
        "save_total_limit": 2,  # the best and the newest (to resume from)
        "load_best_model_at_end": True,
        "metric_for_best_model": selection.KEY,
        "greater_is_better": True,
    }


def trainer(model, args, tok, collator, train_ds=None, select_ds=None, metric: str = "accuracy"):
    """A Trainer that logs nothing to stdout, where the audit prints its tables, and reports its steps.

    With ``select_ds``, it scores checkpoints on it by the task's ``metric`` (``experiments.toolkit.selection``).
    """
    from transformers import Trainer
    from transformers.trainer_callback import PrinterCallback

    selecting = {}
    if select_ds is not None:
        scorer = selection.metric(metric, getattr(model.config, "id2label", None))
        selecting = {"eval_dataset": select_ds, "compute_metrics": scorer}
    # Our heads return the mean loss of their batch. A model whose forward takes **kwargs (every
    # transformers head does) tells the Trainer it normalises by the accumulation window's item
    # count itself, and the Trainer then leaves its loss undivided: at 4 x 8 each step's gradient
    # was 8 times the mean's (measured 2x at 4 x 2). This says our heads do not.
    model.accepts_loss_kwargs = False
    t = Trainer(
        model=model, args=args, data_collator=collator, train_dataset=train_ds, processing_class=tok, **selecting
    )
    t.remove_callback(PrinterCallback)
    t.add_callback(_steps_callback())
    return t


def _steps_callback():
    """Each optimiser step as progress (``audit.run.progress``): the bar of the stage that trains."""
    from transformers import TrainerCallback

    from audit.contract import progress

    class Steps(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            progress.current().phase("training", state.max_steps)
            if state.global_step:  # resumed from a checkpoint
                progress.current().advance(state.global_step)

        def on_step_end(self, args, state, control, **kwargs):
            progress.current().advance()

    return Steps()


def last_complete_checkpoint(output_dir: Path) -> Path | None:
    """The newest checkpoint that was fully written; partial ones (a kill mid-save) are removed.

    The Trainer writes ``trainer_state.json`` last, so a checkpoint without it is incomplete.
    """
    if not output_dir.is_dir():
        return None
    found = sorted(output_dir.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1]), reverse=True)
    for path in found:
        if (path / "trainer_state.json").is_file():
            return path
        shutil.rmtree(path, ignore_errors=True)
    return None


class Fit(NamedTuple):
    """A training's steps: all the model had (``steps``), and those this call ran (``run``).

    They differ after a resume: a stage killed at step 50 of 100 and resumed reports 100
    steps, of which 50 ran in the resumed call; the stage records both.
    """

    steps: int
    run: int


def fit(model, tok, train_ds, collator, folder: Path, params: dict[str, Any], seed: int, select_ds=None) -> Fit:
    """Train, resuming from the stage's last complete checkpoint if a kill left one.

    With ``select_ds`` (held-out items of the training task), the best checkpoint on it is kept.
    """
    args = arguments(folder, params, seed, selecting=select_ds is not None)
    last = last_complete_checkpoint(Path(args.output_dir))
    trainer_ = trainer(model, args, tok, collator, train_ds, select_ds, params.get("select_metric", "accuracy"))
    if select_ds is not None:
        from transformers import EarlyStoppingCallback

        trainer_.add_callback(EarlyStoppingCallback(early_stopping_patience=params["select_patience"]))
    before = int(Path(last).name.split("-")[-1]) if last else 0
    trainer_.train(resume_from_checkpoint=str(last) if last else None)
    return Fit(trainer_.state.global_step, trainer_.state.global_step - before)


def predict(model, tok, ds, collator, params: dict[str, Any]):
    """Raw predictions (logits) for a dataset."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return trainer(model, arguments(Path(tmp), params, seed=0), tok, collator).predict(ds).predictions
