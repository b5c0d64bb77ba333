"""The transfer protocol's stages: the encoder, intermediate checkpoints, target models, scores.

``Pipeline`` computes each stage through the content-addressed stage cache
(``experiments.toolkit.stages``) and keeps every arm's item outcomes (``Cell``s) for the
gates and intervals. Its ``*_spec`` methods are what each stage key hashes; the planner
(``experiments.transfer.plan``) subclasses it to list the same stages without computing them.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from audit.contract import Cell, Item, NotApplicable, RunContext, Unverifiable, progress
from experiments.toolkit import distributed, evaluation, features, models, placebo, qa, retrieval, training
from experiments.toolkit.stages import StageCache, versions
from experiments.toolkit.tasks import Task, gate_policy, get, load_records, pack_file
from experiments.transfer import smoke
from experiments.transfer.params import (
    EVAL_SIZE,
    SMOKE_MODEL,
    TransferParams,
    role_settings,
    specialised,
    task_settings,
)
from experiments.transfer.smoke import SMOKE_TOKENIZER

ENGLISH = {"en", "eng"}
BASELINE = "baseline"  # the untouched encoder's arm
PLATEAU = "baseline@2x"  # the untouched encoder's target trained twice as long: is the reference at its plateau?
GOLD, SHUFFLED = "gold", "shuffled"  # an intermediate stage's labels: the task's own, or its placebo's


@dataclass(frozen=True)
class Encoder:
    key: str
    source: str  # a folder or a hub name that from_pretrained understands


@dataclass
class Pipeline:
    ctx: RunContext
    params: TransferParams
    cache: StageCache
    steps: int = 0
    trainings: int = 0  # training stages this claim needed, cached or not
    notes: list[str] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)  # task -> languages not scored
    cells: list[Cell] = field(default_factory=list)  # item-level outcomes, for gates and intervals
    loaded: dict[tuple[str, str], tuple] = field(default_factory=dict)

    def model(self, source: str, head: str):
        """A model is loaded once for all the languages it scores; only the latest is kept."""
        if (source, head) not in self.loaded:
            self.loaded.clear()
            # Outside the Trainer nothing else places it: on the process's device (its GPU where there is one).
            model = self.load(source, head).to(training.device())
            self.loaded[(source, head)] = (model, models.load_tokenizer(source))
        return self.loaded[(source, head)]

    def load(self, source: str, head: str, **config):
        """The encoder at ``source`` under a new head, with the run's attention kernel.

        The new head's weights are drawn right after seeding with the run's seed, so they
        depend on the seed alone, not on what this process ran before (a worker runs
        claims in whatever order the queue hands them out).
        """
        from audit.contract import seed_all

        seed_all(self.ctx.seed)
        return models.with_head(source, head, attention=self.params.attention, **config)

    # -- data ------------------------------------------------------------------------
    def records(self, task: Task, split: str, lang: str) -> list[dict]:
        rows = load_records(task, split, lang, self.ctx)
        half = len(rows) // 2 if self._holdout(task) else None
        if half is not None:
            rows = rows[:half] if split == "train" else rows[half:]
        if task.role == "intermediate" and split == "train":
            rows = rows[: -self.heldout(rows)]  # the manipulation check's items never train
        cap = self.setting(task, "examples" if split == "train" else "eval_examples")
        return rows[:cap] if cap else rows

    def setting(self, task: Task, key: str):
        """``key`` as this task runs it at this profile: tasks.yaml's value where it sets one, else the claim's."""
        return self.task_params(task).get(key, getattr(self.params, key))

    def heldout(self, rows: list) -> int:
        """How many items at the end of an intermediate task's file its checkpoint is checked on."""
        return min(gate_policy().heldout[self.profile], len(rows) // 4) or 1

    def train_rows(self, task: Task, labels: str = GOLD) -> list[dict]:
        """A task's English training rows (another task's, where ``train_on`` says); a placebo's with their
        labels cut from their inputs."""
        rows = self.records(self.trains_on(task), "train", "en")
        return rows if labels == GOLD else placebo.shuffled(task.format, rows, self.ctx.seed, task.name)

    def trains_on(self, task: Task) -> Task:
        """The task whose English rows train ``task``: its own, or the one ``train_on`` names."""
        return get(self.params.train_on[task.name]) if task.name in self.params.train_on else task

    def check_rows(self, task: Task) -> list[dict]:
        rows = load_records(task, "train", "en", self.ctx)
        return rows[-self.heldout(rows) :]

    def cell(self, task: Task, lang: str, arm: str, role: str, found: dict, against: str = "") -> Cell:
        """One arm's outcomes on one task and language, under the task's gate policy for this profile."""
        policy = gate_policy()
        return Cell(
            arm=arm,
            role=role,
            against=against,
            task=task.name,
            language=lang,
            trained=task.format != "parallel",
            trivial=found["trivial"],
            floor=task.floor.get(self.profile),
            margin=policy.margin_for(task.format),
            collapse_share=policy.collapse_share,
            items=[Item.model_validate(i) for i in found["items"]],
        )

    def check(self, task: Task, model, tok) -> dict:
        """The checkpoint's outcomes on held-out items of its own task: did phase 1 teach it anything?"""
        progress.current().phase(f"held-out {task.name} check")
        rows = self.check_rows(task)
        found = evaluation.items(task, model, tok, rows, self.eval_params(task), "en")
        return {"items": [i.model_dump() for i in found], "trivial": evaluation.trivial(task, rows)}

    def _holdout(self, task: Task) -> bool:
        """Whether the pack's copy serving this run's training split is the first half of a dev set."""
        found = pack_file(task, "train", "en", self.ctx.data_dir, self.profile)
        return bool(found and found[1].get("holdout"))

    @property
    def profile(self) -> str:
        return self.ctx.profile.value

    def applicable(self, targets: list[Task]) -> list[Task]:
        """The targets this run's model can answer for (``models.CANNOT_ANSWER``) and learn; the others noted."""
        cannot = models.CANNOT_ANSWER.get(self.params.model, {})
        why = {t.name: cannot[t.format] for t in targets if t.format in cannot}
        return self._kept(targets, why | self._unlearnable(targets))

    def learnable(self, tasks: list[Task]) -> list[Task]:
        """The intermediate tasks a run at this profile can learn (tasks.yaml ``unlearnable``); the others noted."""
        return self._kept(tasks, self._unlearnable(tasks))

    def _unlearnable(self, tasks: list[Task]) -> dict[str, str]:
        return {t.name: t.unlearnable[self.profile] for t in tasks if self.profile in t.unlearnable}

    def _kept(self, tasks: list[Task], why: dict[str, str]) -> list[Task]:
        """``tasks`` less those ``why`` names, each noted; NOT_APPLICABLE when none is left."""
        kept = [t for t in tasks if t.name not in why]
        if why and not kept:
            names = ", ".join(why)
            raise NotApplicable(f"{names} at {self.profile}: {next(iter(why.values()))}")
        self.notes += [f"{name} left out at {self.profile}: {reason}" for name, reason in why.items()]
        return kept

    def available(self, names: list[str]) -> list[Task]:
        """The named intermediate tasks that have training data here and can be learned; the others are noted."""
        tasks = []
        for task in self.learnable([get(name) for name in names]):
            name = task.name
            try:
                load_records(task, "train", "en", self.ctx)
                tasks.append(task)
            except Unverifiable as exc:
                self.notes.append(f"intermediate {name} skipped: {exc}")
        if not tasks:
            raise Unverifiable("no named intermediate task has training data here")
        return tasks

    # -- encoders --------------------------------------------------------------------
    def base(self) -> Encoder:
        model = self.params.model
        if model != SMOKE_MODEL:
            return Encoder(key=model, source=models.source_of(model))
        tok = self.cache.run("smoke-tokenizer", SMOKE_TOKENIZER, self._smoke_tokenizer)
        spec = self.smoke_encoder_spec()
        enc = self.cache.run("smoke-encoder", spec, lambda d: self._tiny(tok.path, d), inputs=[tok.key])
        return Encoder(enc.key, str(enc.path))

    def smoke_encoder_spec(self) -> dict:
        return {"seed": self.ctx.seed, "shape": models.TINY}

    def _smoke_tokenizer(self, folder: Path) -> dict:
        return smoke.tokenizer(self.ctx, folder)

    def _tiny(self, tokenizer_dir: Path, folder: Path) -> dict:
        return smoke.encoder(self.ctx.seed, tokenizer_dir, folder)

    # -- stage specs: what each stage's key hashes (the planner lists the same) -------------
    def intermediate_spec(self, task: Task, labels: str = GOLD) -> dict:
        shuffled = {"labels": SHUFFLED} if labels == SHUFFLED else {}  # a gold stage's key is as it was
        return {"task": task.name, "seed": self.ctx.seed, **self.train_values(task), **shuffled}

    def train_values(self, task: Task, longer: bool = False) -> dict:
        """Every value a stage that trains on ``task`` computes with: its settings, the Trainer's, its QA windows.

        ``longer``: the plateau check's schedule, twice the steps (or epochs) at the same settings.
        """
        values = training.training_values({**self.task_params(task), "select_metric": task.metric})
        if longer:
            by = "epochs" if values.get("epochs") else "max_steps"
            values[by] *= 2
        if task.format == "span":
            cut = {k: values.pop(k) for k in ("doc_stride", "max_question_tokens") if k in values}
            values["qa_window"] = qa.window(values["max_length"], **cut)
            values["no_answer"] = self.no_answer(task)
        return values

    def no_answer(self, task: Task) -> bool:
        """Whether the null span may win at decoding: the task's rule, unless the copy it trains on has no
        unanswerable question (tasks.yaml's pack entry says ``no_answer: false``)."""
        found = pack_file(task, "train", "en", self.ctx.data_dir, self.profile)
        return bool(found[1].get("no_answer", task.no_answer)) if found else task.no_answer

    def mix_spec(self, tasks: list[Task], mlm: bool, labels: str = GOLD) -> dict:
        from experiments.toolkit import multitask

        names = [t.name for t in tasks] + (["mlm"] if mlm else [])
        text = {"mlm_text": multitask.mlm_text(self)} if mlm else {}  # which sentences the masked-LM reads
        shuffled = {"labels": SHUFFLED} if labels == SHUFFLED else {}
        return {"tasks": names, "seed": self.ctx.seed, **self.mix_values(), **text, **shuffled}

    def mix_values(self) -> dict:
        """Every value the mix's one Trainer run computes with (each task's batches keep their own size)."""
        from experiments.toolkit import multitask

        return training.training_values({**self.role_params("intermediate"), **multitask.TRAINER_PARAMS})

    # The task's own settings win over the claim's evaluation ones (its max_length at full), so a
    # stage's spec is what it ran with.
    def target_spec(self, task: Task, longer: bool = False) -> dict:
        rows = self.trains_on(task)
        other = {"train_rows": rows.name} if rows is not task else {}  # whose rows it trains on, where not its own
        return {
            **self.eval_spec(task),
            "task": task.name,
            "seed": self.ctx.seed,
            **self.train_values(task, longer),
            **other,
        }

    def score_spec(self, task: Task, lang: str) -> dict:
        return {
            **self.eval_spec(task),
            "task": task.name,
            "lang": lang,
            "max_length": self.task_params(task)["max_length"],
        }

    def intermediate(self, base: Encoder, task: Task, labels: str = GOLD) -> Encoder:
        """Phase 1 on ``task``; a placebo's (``labels`` shuffled) own-task check is kept, not gated."""
        self.trainings += 1
        spec = self.intermediate_spec(task, labels)
        stage = self.cache.run("intermediate", spec, lambda d: self._phase1(base, task, d, labels), inputs=[base.key])
        if labels == GOLD:
            self.cells.append(self.cell(task, "en", task.name, "intermediate", stage.output["check"]))
        return Encoder(stage.key, str(stage.path / "model"))

    def mixed(self, base: Encoder, tasks: list[Task], mlm: bool = False, labels: str = GOLD) -> Encoder:
        """Phase 1 on several tasks at once (and masked-LM on non-English text when ``mlm``)."""
        from experiments.transfer import mix

        spec = self.mix_spec(tasks, mlm, labels)
        self.trainings += 1
        stage = self.cache.run(
            "intermediate-mix",
            spec,
            lambda d: mix.train_mix(self, base, tasks, spec.get("mlm_text"), d, labels),
            inputs=[base.key],
        )
        arm = "+".join(spec["tasks"])
        if labels == GOLD:
            self.cells += [self.cell(t, "en", arm, "intermediate", stage.output["checks"][t.name]) for t in tasks]
        return Encoder(stage.key, str(stage.path / "model"))

    def _phase1(self, base: Encoder, task: Task, folder: Path, labels: str = GOLD) -> dict:
        model, tok, out = self.fit_head(base, task, folder, labels=labels)
        models.save_encoder(model, tok, folder / "model", self.frozen_from())  # only the encoder is handed over
        return {**out, "check": self.check(task, model, tok)}

    # -- phase 2 and 3 ---------------------------------------------------------------
    def target_score(
        self, enc: Encoder, task: Task, arm: str = BASELINE, against: str = "", role: str = ""
    ) -> dict[str, float]:
        """Zero-shot score per non-English language of the target, for the encoder of ``arm``.

        ``against``: the reference arm this one's gain is measured against; '' for a reference
        arm itself. Each language's item outcomes are kept as a cell, for the gates and for the
        judge's paired interval (``audit.judge.paired``), which pairs a treated cell with its reference's.
        ``role``: 'plateau' for the plateau check's arm (its target trained twice as long).
        """
        role = role or ("treated" if against else "reference")
        longer = role == "plateau"
        if task.format == "parallel":
            found = self._scores(enc, task, lambda lang: self._retrieve(enc.source, task, lang))
        else:
            self.trainings += 1
            spec = self.target_spec(task, longer)
            out = self.cache.run("target", spec, lambda d: self._phase23(enc, task, d, longer), inputs=[enc.key]).output
            if out["missing"]:
                self.missing.setdefault(task.name, []).extend(out["missing"])
            found = out["cells"]
        cells = [self.cell(task, lang, arm, role, f, against) for lang, f in found.items()]
        self.cells += cells
        return {c.language: c.score for c in cells}

    def _phase23(self, enc: Encoder, task: Task, folder: Path, longer: bool = False) -> dict:
        """Train the target head, then score each language item by item; the fine-tuned model is not kept."""
        rows, missing = self.eval_rows(task)  # before training: no scorable language, no training
        model, tok, out = self.fit_head(enc, task, folder, longer=longer)
        progress.current().phase("scoring", len(rows))
        cells = {}
        for lang, rs in rows.items():
            found = evaluation.items(task, model, tok, rs, self.eval_params(task), lang)
            cells[lang] = {"items": [i.model_dump() for i in found], "trivial": evaluation.trivial(task, rs)}
            progress.current().advance()
        return {**out, "cells": cells, "missing": missing}

    def eval_rows(self, task: Task) -> tuple[dict[str, list[dict]], list[str]]:
        """Each evaluation language's dev records, and the languages that have none (or no gold)."""
        found, missing, reasons = {}, [], []
        for lang in self.languages(task):
            try:
                found[lang] = self.records(task, "dev", lang)
            except Unverifiable as exc:
                missing.append(lang)
                reasons.append(str(exc))
        if not found:
            why = f" ({reasons[0]})" if reasons else ""
            raise Unverifiable(f"{task.name}: no evaluation language is available{why}")
        return found, missing

    def languages(self, task: Task) -> list[str]:
        """The languages a target is scored in: every non-English one, and English too where XTREME's
        average has it (``english_in_average``, full; retrieval pairs each language with English)."""
        english = self.params.english_in_average and task.format != "parallel"
        langs = [lang for lang in task.languages if english or lang not in ENGLISH]
        return langs[: self.setting(task, "max_languages")]

    def _scores(self, enc: Encoder, task: Task, score) -> dict[str, dict]:
        out = {}
        for lang in self.languages(task):
            spec = self.score_spec(task, lang)
            try:
                out[lang] = self.cache.run("score", spec, lambda _d, lang=lang: score(lang), inputs=[enc.key]).output
            except Unverifiable:
                self.missing.setdefault(task.name, []).append(lang)
        if not out:
            raise Unverifiable(f"{task.name}: no evaluation language is available")
        return out

    def _retrieve(self, source: str, task: Task, lang: str) -> dict:
        [record] = load_records(task, "dev", lang, self.ctx)
        record = retrieval.subsample(record, self.setting(task, "eval_examples"))
        model, tok = self.model(source, "retrieval")
        found = retrieval.scored(
            task.name, model, tok, record, self.task_params(task)["max_length"], self.params.precision
        )
        return {"items": [i.model_dump() for i in found], "trivial": retrieval.chance(task.name, record)}

    # -- training --------------------------------------------------------------------
    def fit_head(self, enc: Encoder, task: Task, folder: Path, labels: str = GOLD, longer: bool = False):
        self.loaded.clear()  # a cached retrieval encoder would sit in memory beside the one training
        tok = models.load_tokenizer(enc.source)
        rows = self.train_rows(task, labels)
        ds, config = self.encode(task, tok, rows)
        model = self.freeze(self.load(enc.source, task.head, **config))
        select = self.selection(task, tok, config) if self.task_params(task).get("select_every") else None
        params = self.train_values(task, longer)  # what the stage's key hashed, and nothing else
        done = distributed.train(model, tok, [distributed.Part(ds, task.head)], folder, params, self.ctx.seed, select)
        self.steps += done.run
        shutil.rmtree(folder / "trainer", ignore_errors=True)  # checkpoints only serve resumption
        chosen = {} if select is None else {"select_items": len(select)}
        return model, tok, {"steps": done.steps, "steps_run": done.run, "examples": len(rows), **chosen}

    def selection(self, task: Task, tok, config: dict):
        """English held-out items of the training task (its ``select`` split), on which the checkpoint is chosen."""
        p = self.task_params(task)
        rows = load_records(task, "select", "en", self.ctx)[: p["select_items"]]
        if task.format != "tags":
            return self.encode(task, tok, rows)[0]
        known = config["label2id"]
        kept = [r for r in rows if set(r["tags"]) <= known.keys()]
        if len(kept) < len(rows):
            dropped = len(rows) - len(kept)
            self.notes.append(
                f"{task.name} select: {dropped} of {len(rows)} sentences left out (tags unseen in training)"
            )
        return features.encode_tags(tok, kept, known, p["max_length"])

    def frozen_from(self) -> str | None:
        """Where a saved encoder's frozen word embeddings are read back from (``models.save_encoder``)."""
        return models.frozen_source(self.params.model) if self.params.freeze_embeddings else None

    def freeze(self, model):
        if self.params.freeze_embeddings:  # most of a small multilingual encoder is its vocabulary
            model.base_model.embeddings.word_embeddings.weight.requires_grad_(False)
        return model

    def encode(self, task: Task, tok, rows: list[dict]):
        length = self.task_params(task)["max_length"]
        if task.format == "pair":
            return features.encode_pair(tok, rows, task.labels, length), {"num_labels": len(task.labels)}
        if task.format == "choice":
            return features.encode_choice(tok, rows, length), {}
        if task.format == "span":
            return qa.train_features(tok, rows, length, self.train_values(task)["qa_window"]), {}
        tags = sorted({t for r in rows for t in r["tags"]})
        labels = {
            "num_labels": len(tags),
            "id2label": dict(enumerate(tags)),
            "label2id": {t: i for i, t in enumerate(tags)},
        }
        return features.encode_tags(tok, rows, labels["label2id"], length), labels

    def task_params(self, task: Task) -> dict:
        """One task's training params at this profile (``task_settings``); where they replace the spec's, noted."""
        self.notes += [n for n in specialised(self.params, self.profile, task) if n not in self.notes]
        return task_settings(self.params, self.profile, task)

    def role_params(self, role: str) -> dict:
        return role_settings(self.params, self.profile, role)

    def eval_spec(self, task: Task | None = None) -> dict:
        """How evaluation runs; a task's own evaluation size at this profile (tasks.yaml) wins over the claim's."""
        keys = ("eval_examples", "max_languages", "max_length", "precision", "attention", "threads")
        spec = {k: getattr(self.params, k) for k in keys}
        if task:
            spec.update({k: self.setting(task, k) for k in EVAL_SIZE})
        return spec

    def eval_params(self, task: Task | None = None) -> dict:
        p = self.task_params(task) if task else self.params.given()
        out = {"max_length": p["max_length"], "batch_size": p["batch_size"], "precision": p["precision"]}
        if task is not None and task.format == "span":
            out |= {k: self.train_values(task)[k] for k in ("qa_window", "no_answer")}
        return out


# -- the experiment ----------------------------------------------------------------------


def stage_cache(ctx: RunContext) -> StageCache:
    """The run's stage cache, computing every stage on the run's thread count."""
    code = versions(Path(__file__).parents[1], ctx.data_dir)
    return StageCache(ctx.cache_dir, code, threads=ctx.params.threads, used=ctx.stage_keys)
