"""The full profile's training path on a CUDA GPU: one prepared script, with torch and transformers alone.

The device machine has no network, no data pack and no e5 weights, and its image lacks
duckdb and pydantic, so this drives the same code a full run trains with
(``experiments.toolkit.training``: ``resolve_precision``, ``resolve_checkpointing``, ``fit``;
``experiments.toolkit.multitask.MultiTask``; ``audit.run.gpus``) on XLM-R Large built from its
config (random weights) and synthetic batches. What it checks:

1. the resolved numerics on this card (bf16 only where native; checkpointing by memory);
2. a positive control: a sequence classifier at jiant's XNLI schedule shape (4 a step,
   8 steps of accumulation, length 256) learns a synthetic rule (a positive item is about
   half marker tokens; chance is 50% on held-out items), so a failure is a broken path;
3. the peak memory and step time of that step with and without activation checkpointing,
   and of the QA head at length 384 (4 x 4), against a 16 and a 24 GiB card;
4. two runs with one seed give the same held-out logits to the bit (or not: it says so);
5. a two-head mix (``MultiTask``) trains with checkpointing on;
6. a worker pinned by ``audit.run.gpus.pin`` sees exactly one GPU (no ``nn.DataParallel``);
7. speed: tokens a second and model FLOP utilisation (MFU, ``experiments.toolkit.cost``: 6N + 12LdS
   FLOPs a token, against the card's dense bf16 peak) of the project's step and of the same
   step in HF Trainer defaults (fp32, no activation checkpointing), in the same run; the goal
   is MFU >= 45% and >= 2x the defaults;
8. the full grid's projected GPU-hours on this card at the measured speed (``experiments.toolkit.cost``).

Usage (device): python benchmarks/device_check.py --out $OUT/device_check.json
Usage (here, CPU, a tiny model, to prove the script runs): python benchmarks/device_check.py --tiny
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LARGE = {"hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16, "intermediate_size": 4096,
         "vocab_size": 250002, "max_position_embeddings": 514}  # fmt: skip  # xlm-roberta-large's config.json
TINY = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
        "vocab_size": 1000, "max_position_embeddings": 514}  # fmt: skip
MARKER = 7  # the token whose presence is the synthetic label
# Dense bf16 tensor-core peaks (TFLOP/s, no sparsity) from NVIDIA's data sheets; the first name
# that occurs in torch's device name wins (so "H100 PCIe" before "H100").
PEAK_BF16_TFLOPS = {"H200": 989.4, "H100 PCIe": 756.0, "H100 NVL": 835.0, "H100": 989.4, "A100": 312.0,
                    "L40S": 362.1, "L4": 121.0, "A10": 125.0}  # fmt: skip


def config(shape: dict):
    from transformers import XLMRobertaConfig

    return XLMRobertaConfig(pad_token_id=1, bos_token_id=0, eos_token_id=2, type_vocab_size=1, **shape)


class Rows:
    """Columns of one length, served row by row to the Trainer: a bare GPU image may lack ``datasets``."""

    def __init__(self, columns: dict[str, list]):
        self.columns = columns

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))

    def __getitem__(self, key):
        return self.columns[key] if isinstance(key, str) else {k: v[key] for k, v in self.columns.items()}


def synthetic(n: int, length: int, vocab: int, seed: int, qa: bool = False):
    """Token sequences whose label is whether MARKER occurs (QA: the marker's position is the span)."""
    import torch

    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(10, vocab, (n, length), generator=g)
    ids[:, 0], ids[:, -1] = 0, 2
    label = torch.arange(n) % 2
    where = torch.randint(1, length - 1, (n,), generator=g)
    if qa:  # one marker: its position is the answer span
        ids[torch.arange(n), where] = MARKER
    else:  # about half the tokens of a positive item are the marker: a rule any working path learns fast
        half = (torch.rand((n, length), generator=g) < 0.5) & (label[:, None] == 1)
        half[:, 0] = half[:, -1] = False
        ids[half] = MARKER
    rows = {"input_ids": ids.tolist(), "attention_mask": torch.ones_like(ids).tolist()}
    if qa:
        rows |= {"start_positions": where.tolist(), "end_positions": where.tolist()}
    else:
        rows["labels"] = label.tolist()
    return Rows(rows)


def train(head: str, shape: dict, params: dict, n: int, length: int, seed: int = 0) -> dict:
    """One fit() of a fresh model on synthetic data: held-out accuracy, a logits checksum, memory, time."""
    import torch
    import transformers

    from experiments.toolkit.training import autocast, fit

    torch.manual_seed(seed)
    model = getattr(transformers, head).from_config(config(shape))
    qa = head == "AutoModelForQuestionAnswering"
    ds, held = synthetic(n, length, shape["vocab_size"], seed, qa), synthetic(64, length, shape["vocab_size"], 99, qa)
    cuda = torch.cuda.is_available()
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        done = fit(model, None, ds, transformers.default_data_collator, Path(tmp), params, seed)
    seconds = time.perf_counter() - started
    peak = torch.cuda.max_memory_allocated() / 2**30 if cuda else None
    tokens = done.steps * params["batch_size"] * params.get("grad_accumulation", 1) * length
    model.eval()
    batch = {k: torch.tensor(held[k]).to(model.device) for k in ("input_ids", "attention_mask")}
    with torch.no_grad(), autocast(params["precision"], model.device.type):
        out = model(**batch)
    logits = out.start_logits if qa else out.logits
    gold = torch.tensor(held["start_positions" if qa else "labels"]).to(model.device)
    return {
        "head": head,
        "optimizer_steps": done.steps,
        "seconds": round(seconds, 2),
        "seconds_per_step": round(seconds / max(done.steps, 1), 3),
        "tokens_per_second": round(tokens / seconds, 1),
        "model_tflops": round(tokens * flops_per_token(length, shape) / seconds / 1e12, 3),
        "peak_gib": peak and round(peak, 2),
        "heldout_accuracy": float((logits.argmax(-1) == gold).float().mean()),
        "logits_checksum": float(logits.float().double().sum()),
        "params": params,
    }


def flops_per_token(length: int, shape: dict) -> float:
    from experiments.toolkit.cost import flops_per_token as per_token

    return per_token(length, shape["num_hidden_layers"], shape["hidden_size"], shape["intermediate_size"])


def peak_tflops(name: str | None) -> float | None:
    return next((tf for key, tf in PEAK_BF16_TFLOPS.items() if name and key in name), None)


def speed(report: dict, shape: dict) -> dict:
    """MFU of the project's step and of HF Trainer defaults, their ratio, and the grid's projected GPU-hours."""
    from experiments.toolkit import cost

    runs, peak = report["runs"], peak_tflops(report.get("device", {}).get("name"))
    ours, defaults = runs["xnli"], runs["xnli_hf_defaults"]
    out = {
        "peak_bf16_tflops": peak,
        "mfu": peak and round(ours["model_tflops"] / peak, 3),
        "mfu_hf_defaults": peak and round(defaults["model_tflops"] / peak, 3),
        "speedup_over_hf_defaults": round(ours["tokens_per_second"] / defaults["tokens_per_second"], 2),
    }
    shape_ = {
        "layers": shape["num_hidden_layers"],
        "hidden": shape["hidden_size"],
        "intermediate": shape["intermediate_size"],
    }
    achieved = ours["model_tflops"] * 1e12
    out["grid_gpu_hours"] = round(cost.gpu_hours(cost.full_grid(), achieved, shape_), 1)
    out["goal_met"] = bool(out["mfu"] and out["mfu"] >= 0.45 and out["speedup_over_hf_defaults"] >= 2)
    return out


def mix_step(shape: dict, length: int) -> dict:
    """MultiTask over two heads, activation checkpointing on, one forward and backward on the device."""
    import torch
    import transformers

    from experiments.toolkit.multitask import MultiTask

    device = "cuda" if torch.cuda.is_available() else "cpu"
    kinds = {"nli": "AutoModelForSequenceClassification", "qa": "AutoModelForQuestionAnswering"}
    heads = {name: getattr(transformers, cls).from_config(config(shape)) for name, cls in kinds.items()}
    model = MultiTask(heads).to(device)
    model.activation_checkpointing_enable()
    model.train()
    data = synthetic(4, length, shape["vocab_size"], 0)
    batch = {k: torch.tensor(data[k]).to(device) for k in ("input_ids", "attention_mask", "labels")}
    loss = model(task=torch.tensor([0], device=device), **batch).loss
    loss.backward()
    grads = sum(p.grad is not None for p in model.parameters())
    return {"loss": float(loss.detach()), "parameters_with_grad": grads}


def pinned_child() -> str:
    """What a child pinned by audit.run.gpus counts: one GPU, so the Trainer would not wrap it in DataParallel."""
    code = (
        "from audit.run import gpus; gpus.pin(next(iter(gpus.visible()), None)); "
        "import torch; print(torch.cuda.device_count())"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=root)
    return out.stdout.strip() or out.stderr.strip()[-300:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path)
    parser.add_argument("--tiny", action="store_true", help="a tiny model (CPU): proves the script runs")
    args = parser.parse_args()
    import torch
    import transformers

    from audit.run import gpus
    from experiments.toolkit.training import quiet, resolve_checkpointing, resolve_precision

    quiet()
    # Adam moves each weight about lr a step, so a 32-wide model needs a larger rate to move its logits.
    shape, scale, lr = (TINY, 0.25, 1e-3) if args.tiny else (LARGE, 1, 5e-5)
    precision = resolve_precision("auto")
    report: dict = {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "cuda": torch.cuda.is_available(),
        "gpus": gpus.visible(),
        "precision": precision,
        "checkpointing_auto": resolve_checkpointing("auto"),
    }
    if torch.cuda.is_available():
        prop = torch.cuda.get_device_properties(0)
        report["device"] = {
            "name": prop.name,
            "capability": f"{prop.major}.{prop.minor}",
            "memory_gib": round(prop.total_memory / 2**30, 1),
        }
    # jiant's XNLI shape: 4 a step, 8 steps of accumulation, length 256; 24 optimiser steps.
    xnli = {
        "batch_size": 4,
        "grad_accumulation": 8,
        "max_length": 256,
        "max_steps": 48,
        "learning_rate": lr,
        "warmup_ratio": 0.1,
        "precision": precision,
        "save_steps": 10_000,
    }
    n = int(4 * 8 * 48 * scale)
    runs = report["runs"] = {}
    for name, extra in (("xnli", {}), ("xnli_checkpointing", {"gradient_checkpointing": True})):
        runs[name] = train("AutoModelForSequenceClassification", shape, {**xnli, **extra}, n, 256)
    runs["xnli_again"] = train("AutoModelForSequenceClassification", shape, xnli, n, 256)
    # HF Trainer defaults: fp32, no activation checkpointing; the same batches, fewer steps.
    defaults = {**xnli, "precision": "fp32", "gradient_checkpointing": False, "max_steps": 12}
    runs["xnli_hf_defaults"] = train("AutoModelForSequenceClassification", shape, defaults, n // 4, 256)
    qa = {**xnli, "grad_accumulation": 4, "max_steps": 8, "max_length": 384}
    runs["qa_384"] = train("AutoModelForQuestionAnswering", shape, qa, int(4 * 4 * 8 * scale), 384)
    report["control_learned"] = runs["xnli"]["heldout_accuracy"] >= 0.75  # chance is 0.5
    report["same_seed_same_logits"] = runs["xnli"]["logits_checksum"] == runs["xnli_again"]["logits_checksum"]
    report["speed"] = speed(report, shape)
    report["mix_step"] = mix_step(shape, 128)
    report["pinned_child_sees_gpus"] = pinned_child()
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
