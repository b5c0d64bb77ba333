"""Phase 1 on a mix of intermediate tasks: the pipeline's ``intermediate-mix`` stage.

The multi-task model and its batches are the toolkit's (``experiments.toolkit.multitask``);
this is the stage that uses them with the run's data, params and held-out checks.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from experiments.toolkit import distributed, models
from experiments.toolkit.multitask import MLM, MultiTask, mlm_corpus, mlm_features


def train_mix(pipe, base, tasks: list, mlm_text: dict | None, folder: Path, labels: str = "gold") -> dict:
    """Phase 1 on a mix: the heads, the mixed batches, one Trainer run; keeps the encoder only.

    ``mlm_text``: the masked-LM text the stage spec names (``mlm_text``), None for no masked-LM.
    ``labels``: 'shuffled' for the mix's placebo (``Pipeline.train_rows``).
    """
    tok, seed = models.load_tokenizer(base.source), pipe.ctx.seed
    heads, parts, examples = {}, [], {}
    for task in tasks:
        rows = pipe.train_rows(task, labels)
        ds, config = pipe.encode(task, tok, rows)
        heads[task.name], examples[task.name] = pipe.load(base.source, task.head, **config), len(rows)
        # each task's batches, as it trains alone
        parts.append(distributed.Part(ds, task.head, pipe.task_params(task)["batch_size"]))
    if mlm_text is not None:
        sentences = mlm_corpus(pipe.ctx, mlm_text, pipe.params.examples)
        heads[MLM], examples[MLM] = pipe.load(base.source, "masked-lm"), len(sentences)
        text = mlm_features(tok, sentences, pipe.params.max_length)
        parts.append(distributed.Part(text, "masked-lm", pipe.params.batch_size))
    model = MultiTask(heads)
    pipe.freeze(model)
    params = pipe.mix_values()  # what the stage's key hashed
    done = distributed.train(model, tok, parts, folder, params, seed)
    pipe.steps += done.run
    shutil.rmtree(folder / "trainer", ignore_errors=True)
    models.save_encoder(model, tok, folder / "model", pipe.frozen_from())
    # Each task's head over the shared encoder, scored on its held-out items: the manipulation check.
    checks = {task.name: pipe.check(task, heads[task.name], tok) for task in tasks}
    return {"steps": done.steps, "steps_run": done.run, "examples": examples, "checks": checks}
