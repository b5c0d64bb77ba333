"""One stage's training over several processes (one GPU each): DDP through torchrun and the HF Trainer.

Why a child launch: the process that runs a stage sees one GPU (``audit.run.gpus``), so the
Trainer never falls back to ``nn.DataParallel``. A stage given a group of GPUs
(``audit verify --gpus-per-stage N``, the ``ddp_processes`` param) trains in
``torchrun --standalone`` child processes, one per GPU, which the Trainer (through
accelerate) runs as DistributedDataParallel. Without GPUs the children use gloo on the
CPU, which is how the tests check it.

What stays the same at any process count:
- **The batch a step averages over.** Each step's batch is split over the processes
  (accelerate's ``split_batches``), so the params' batch size, accumulation, learning rate
  and steps mean what they mean on one GPU. Each process's loss is the mean over its
  slice and DDP averages the gradients: the mean over the whole batch. The Trainer's
  ``average_tokens_across_devices`` (for losses that sum tokens) is off; our heads average.
  As accelerate does, an epoch's last batch that does not split evenly is completed with
  the epoch's first rows.
- **The mix.** Rank 0 reads each whole one-task batch and hands each process its slice
  (``dispatch_batches``), so a step still holds one task. A task's last batch is completed
  with its first rows to a multiple of the process count (``multitask.batches``).
- **Resumption.** Checkpoints stay in the stage's ``trainer`` folder, as on one GPU.

What differs: the order of floating-point sums, and each process draws dropout with the
run's seed (the Trainer seeds every process alike). So the process count is part of every
training stage's key (``ddp_processes``), like the precision.

Handover, all in the stage folder (``ddp/``): the parent writes the initial weights
(safetensors), each head's config, the tokenizer, the training features (Arrow) and the
params; rank 0 writes the trained weights back, and the parent loads them into its own
model, which the stage then scores and keeps as on one GPU. Rank 0 prints its progress as
JSON lines, which the parent forwards to its bar.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel

from audit.contract import AuditError, determinism
from experiments.toolkit.training import DEFAULTS, Fit, fit, world_size

JOB = "ddp"  # the job's folder inside the stage folder
RANK_REGIME = "ddp-regime.json"  # in the stage folder: the numeric regime rank 0 trained under


class Part(NamedTuple):
    """One task's training features, and the head kind that trains on them (it picks the collator)."""

    features: Any  # a datasets.Dataset (Arrow, so a child process can read it back)
    head: str
    batch_size: int | None = None  # in a mix, the task's own batch (alone, the params' batch_size)


def train(model, tok, parts: list[Part], folder: Path, params: dict[str, Any], seed: int, select=None) -> Fit:
    """Train ``model`` on ``parts``: in this process, or over ``ddp_processes`` child processes."""
    processes = params.get("ddp_processes", 1)
    if processes > 1 and world_size() == 1:  # inside a rank, train here
        check_split(parts, params, processes)
        return _launch(model, tok, parts, folder, params, seed, select, processes)
    ds, collator = materialise(model, tok, parts, seed, processes)
    return fit(model, tok, ds, collator, folder, params, seed, select)


def materialise(model, tok, parts: list[Part], seed: int, processes: int = 1):
    """The Trainer's dataset and collator: a single task's rows, or a mix's one-task batches."""
    from experiments.toolkit import features, multitask

    if isinstance(model, multitask.MultiTask):
        return multitask.mixed(model, tok, parts, seed, processes), multitask.unwrap
    [part] = parts
    return part.features, features.collator(part.head, tok)


def check_split(parts: list[Part], params: dict[str, Any], processes: int) -> None:
    """Every step's batch splits evenly over the processes, or the run stops here with one line."""
    sizes = {p.batch_size or {**DEFAULTS, **params}["batch_size"] for p in parts}
    if uneven := sorted(s for s in sizes if s % processes):
        raise AuditError(
            f"a step's batch of {uneven[0]} does not split evenly over {processes} processes; "
            f"give each stage a number of GPUs that divides it (--gpus-per-stage)"
        )


class Job(BaseModel):
    """What the child processes rebuild: the model's heads, the data's parts, the params."""

    names: list[str]  # the heads' names (a mix's tasks; 'model' alone)
    heads: list[str]  # each part's head kind, in the names' order
    batch_sizes: list[int | None]
    mixed: bool
    attention: str
    frozen: list[str]  # parameters that do not train (frozen embeddings)
    threads: int = 1  # the stage's thread count, which each rank computes on
    params: dict[str, Any]
    seed: int
    select: bool


def _launch(model, tok, parts, folder: Path, params, seed: int, select, processes: int) -> Fit:
    job = folder / JOB
    _write_job(job, model, tok, parts, params, seed, select)
    _run(job, processes)
    load_weights(model, job / "trained.safetensors")
    done = Fit(**json.loads((job / "fit.json").read_text()))
    shutil.rmtree(job, ignore_errors=True)
    return done


def _write_job(job: Path, model, tok, parts, params, seed: int, select) -> None:
    import torch
    from safetensors.torch import save_model

    from experiments.toolkit import multitask

    shutil.rmtree(job, ignore_errors=True)  # a killed launch's job is written again; its checkpoints stay
    job.mkdir(parents=True)
    mixed = isinstance(model, multitask.MultiTask)
    heads = dict(model.heads) if mixed else {"model": model}
    for name, head in heads.items():
        head.config.save_pretrained(job / "heads" / name)
    save_model(model, str(job / "init.safetensors"))
    tok.save_pretrained(job / "tokenizer")
    for i, part in enumerate(parts):
        part.features.save_to_disk(str(job / "parts" / str(i)))
    if select is not None:
        select.save_to_disk(str(job / "select"))
    spec = Job(
        names=list(heads),
        heads=[p.head for p in parts],
        batch_sizes=[p.batch_size for p in parts],
        mixed=mixed,
        attention=model.config._attn_implementation,
        frozen=[n for n, p in model.named_parameters() if not p.requires_grad],
        threads=torch.get_num_threads(),
        params=params,
        seed=seed,
        select=select is not None,
    )
    (job / "job.json").write_text(spec.model_dump_json(indent=1))


def _run(job: Path, processes: int) -> None:
    """torchrun, its ranks' progress forwarded to this process's bar; a failure is one line."""
    from audit.contract import gpus
    from audit.contract import processes as procs

    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={processes}"]
    command += ["-m", "experiments.toolkit.distributed", str(job)]
    with (job / "log").open("w") as log:
        child = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env=_environment(gpus.stage_group(), processes),
            preexec_fn=procs.death_signal(),  # torchrun dies with this process, not orphaned
        )
        with child:
            for line in child.stdout:
                _forward(line)
    if child.returncode:
        raise RuntimeError(f"training over {processes} processes failed: {_last_error(job / 'log')}")


def _environment(group: list[str], processes: int) -> dict[str, str]:
    """The children see the stage's GPUs, share this process's threads, and import this checkout."""
    from audit.contract import gpus
    from audit.contract import processes as procs

    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "OMP_NUM_THREADS": str(max(1, procs.cores() // processes))}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    if group:
        env[gpus.ENV] = ",".join(group[:processes])
    return env


def _forward(line: str) -> None:
    """A JSON line from rank 0 is a progress event for this process's bar; other output is ignored."""
    from audit.contract import progress

    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return
    if not isinstance(event, dict):
        return
    if event.get("kind") == "begin":
        progress.current().phase(event.get("label", "training"), event.get("total"))
    elif event.get("kind") == "advance":
        progress.current().advance(event.get("advance", 1))


def _last_error(log: Path) -> str:
    """A rank's exception, the first in the children's output (the whole log stays in the stage folder)."""
    lines = [ln.strip() for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
    errors = [ln for ln in lines if re.match(r"[\w.]*(Error|Exception)\b.*:", ln)]
    return (errors or lines or ["no output"])[0][:300] + f" (log: {log})"


def load_weights(model, path: Path) -> None:
    """Weights saved by ``save_model`` (each shared tensor once) into ``model``.

    A name the file lacks must be an alias of a tensor it holds: a mix's heads share one
    encoder, and a masked-LM head ties its decoder to the embeddings.
    """
    import torch
    from safetensors.torch import load_file

    loaded = load_file(str(path))
    missing, unexpected = model.load_state_dict(loaded, strict=False)
    every = torch.nn.Module.state_dict(model, keep_vars=True)
    held = {every[k].data_ptr() for k in loaded}
    if lost := [k for k in missing if every[k].data_ptr() not in held] + list(unexpected):
        raise RuntimeError(f"the weights in {path} do not fit the model ({len(lost)} names differ, e.g. {lost[0]})")


# -- in each child process ----------------------------------------------------------------


def main(folder: Path) -> None:
    """One rank: rebuild the model and the data, train under DDP; rank 0 writes the result back."""
    from datasets import load_from_disk

    from audit.contract import progress
    from experiments.toolkit import models
    from experiments.toolkit.training import quiet

    quiet()
    job = Job.model_validate_json((folder / "job.json").read_text())
    determinism.deterministic(job.threads)  # each rank computes under the stage's regime
    model = _model(folder, job)
    tok = models.load_tokenizer(folder / "tokenizer")
    parts = [
        Part(load_from_disk(str(folder / "parts" / str(i))), head, size)
        for i, (head, size) in enumerate(zip(job.heads, job.batch_sizes, strict=True))
    ]
    select = load_from_disk(str(folder / "select")) if job.select else None
    first = int(os.environ.get("RANK", "0")) == 0
    if first:
        progress.install(progress.CallbackReporter(_print_event))
    done = train(model, tok, parts, folder.parent, job.params, job.seed, select)
    if first:
        from safetensors.torch import save_model

        save_model(model, str(folder / "trained.safetensors"))
        (folder / "fit.json").write_text(json.dumps(done._asdict()))
        (folder.parent / RANK_REGIME).write_text(json.dumps(determinism.regime(), indent=1))
    _leave()


def _leave() -> None:
    """Every rank leaves the process group together (a rank that exits inside it can abort the others)."""
    import torch.distributed as dist

    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def _model(folder: Path, job: Job):
    """The parent's model: each head from its config, joined as the parent joined them, then its weights."""
    import transformers

    from experiments.toolkit import models, multitask

    heads = {}
    for name, kind in zip(job.names, job.heads, strict=True):
        config = transformers.AutoConfig.from_pretrained(str(folder / "heads" / name))
        auto = getattr(transformers, models.HEADS[kind])
        heads[name] = auto.from_config(config, attn_implementation=job.attention)
    model = multitask.MultiTask(heads) if job.mixed else heads[job.names[0]]
    load_weights(model, folder / "init.safetensors")
    for name, param in model.named_parameters():
        param.requires_grad_(name not in job.frozen)
    return model


def _print_event(event) -> None:
    print(json.dumps({"kind": event.kind, "label": event.label, "total": event.total, "advance": event.advance}))
    sys.stdout.flush()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
