"""``alignment-stability``: the seed report's research question, measured.

Does English intermediate-task training make zero-shot cross-lingual transfer more or
less stable when the non-English input is perturbed? For the untouched encoder
('baseline') and each intermediate-trained encoder (phase 1 of ``xtreme-transfer``,
sharing its cached checkpoints), and for every condition of a sweep (each perturbation
kind of ``experiments.stability.perturb`` at each strength, plus the greedy attack of
``experiments.stability.attack`` within an edit budget), we measure:

- retrieval targets (Tatoeba, BUCC): the score (accuracy, F1) and the alignment margin,
  i.e. the mean cosine of translation pairs minus that of non-pairs, at the retrieval
  layer, ×100;
- classification targets (XNLI, PAWS-X): zero-shot accuracy of the target model trained
  on clean English (phase 2), on perturbed non-English dev data.

Per condition, ``drop`` is clean minus perturbed, averaged over languages, and
``stability_gain[e] = drop[baseline] − drop[e]``: positive when intermediate training
makes the encoder lose less. Perturbations are seeded by the run's seed and applied
identically to every encoder, so the gains are paired per seed. The claim's headline is
the one (task, condition, measure, encoder) its ``hypothesis`` param names.

The attack runs against retrieval only: it minimises, under each encoder, the cosine of
a sentence with its English translation, on the first ``attack_examples`` pairs. Its
clean reference is those same pairs.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from audit.contract import Measurement, RunContext, Unverifiable, experiment
from experiments.stability import attack, lexicon, perturb
from experiments.toolkit import evaluation, retrieval
from experiments.toolkit.tasks import Task, get, load_records
from experiments.toolkit.training import quiet
from experiments.transfer import experiment as transfer


class Hypothesis(BaseModel):
    """The one (task, condition, measure, encoder) a claim's headline names."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    task: str
    condition: str
    measure: Literal["score", "margin"] = "score"
    encoder: str


class StabilityParams(transfer.TransferParams):
    """The transfer params (shared checkpoints), and the sweep: perturbation kinds, strengths and the attack."""

    # The transfer sizing, less mini's placebo and full's English average: the sweep measures each
    # encoder's drop against the untouched encoder's (no placebo arm), on non-English input only.
    SIZING: ClassVar[dict] = {
        p: {k: v for k, v in sizing.items() if k not in ("control", "english_in_average")}
        for p, sizing in transfer.TransferParams.SIZING.items()
    }
    GIVEN: ClassVar[dict[str, Any]] = {
        **transfer.TransferParams.GIVEN,
        "intermediate": ["mnli"],
        "targets": ["tatoeba"],
        "kinds": list(perturb.KINDS),
        "strengths": [0.1, 0.2],
        "attack_budget": 3,
        "attack_examples": 20,
        "attack_candidates": 16,
    }

    kinds: list[str] = Field(default_factory=lambda: list(perturb.KINDS))
    strengths: list[float] = Field(default_factory=lambda: [0.1, 0.2])
    attack_budget: int = Field(default=3, ge=0)  # 0: no attack
    attack_examples: int = Field(default=20, ge=1)
    attack_candidates: int = Field(default=16, ge=1)
    hypothesis: Hypothesis
    control: None = None  # no placebo arm (see SIZING)


# Tatoeba's ISO 639-3 codes for the XTREME languages that other targets name in ISO 639-1.
TATOEBA_CODE = {"ar": "ara", "bg": "bul", "de": "deu", "el": "ell", "es": "spa", "fr": "fra", "hi": "hin",
                "ja": "jpn", "ko": "kor", "ru": "rus", "sw": "swh", "th": "tha", "tr": "tur", "ur": "urd",
                "vi": "vie", "zh": "cmn"}  # fmt: skip
BASELINE = transfer.BASELINE
PREFIX = {"score": "", "margin": "margin_"}  # measure -> metric-name prefix (score[...], margin_score[...])
CLEAN = "clean"


def conditions(params: StabilityParams) -> list[str]:
    """The sweep's conditions, named 'kind@strength'."""
    return [f"{kind}@{strength:g}" for kind in params.kinds for strength in params.strengths]


class Sweep:
    """Measures one encoder on one target under every condition, one cached stage per language."""

    def __init__(self, pipe: transfer.Pipeline):
        self.pipe, self.params, self.lexicons = pipe, pipe.params, {}
        self.given = pipe.params.given()

    def spec(self, task: Task, **extra) -> dict:
        keys = ("kinds", "strengths", "attack_budget", "attack_examples", "attack_candidates")
        return {
            "task": task.name,
            "seed": self.pipe.ctx.seed,
            **{k: self.given[k] for k in keys},
            **self.pipe.eval_spec(task),
            **extra,
        }

    def lexicon(self, lang: str) -> dict[str, str]:
        """Mined from Tatoeba pairs past the evaluated ones, so no pair translates itself."""
        code = TATOEBA_CODE.get(lang, lang)
        if code not in self.lexicons:
            try:
                [record] = load_records(get("tatoeba"), "dev", code, self.pipe.ctx)
            except Unverifiable:
                self.pipe.notes.append(f"no Tatoeba pairs for '{lang}': code-switching leaves it unchanged")
                record = {"source": [], "target": []}
            skip = self.params.eval_examples or 0
            self.lexicons[code] = lexicon.mine(list(zip(record["source"][skip:], record["target"][skip:], strict=True)))
        return self.lexicons[code]

    def perturbed(self, texts: list[str], condition: str, lang: str) -> tuple[list[str], float]:
        kind, rate = perturb.parse_condition(condition)
        lex = self.lexicon(lang) if kind == "codeswitch" else None
        out = [perturb.perturb(kind, t, rate, self.pipe.ctx.seed, lex) for t in texts]
        rates = [perturb.change_rate(kind, a, b) for a, b in zip(texts, out, strict=True)]
        return out, statistics.fmean(rates) if rates else 0.0

    # -- retrieval -------------------------------------------------------------------
    def retrieval(self, enc: transfer.Encoder, task: Task) -> dict[str, dict]:
        out = {}
        for lang in self.pipe.languages(task):
            try:
                stage = self.pipe.cache.run(
                    "stability-retrieval",
                    self.spec(task, lang=lang),
                    lambda _d, lang=lang: self._retrieval(enc, task, lang),
                    inputs=[enc.key],
                )
            except Unverifiable:
                self.pipe.missing.setdefault(task.name, []).append(lang)
                continue
            out[lang] = stage.output
        return out

    def _retrieval(self, enc: transfer.Encoder, task: Task, lang: str) -> dict:
        [record] = load_records(task, "dev", lang, self.pipe.ctx)
        record = retrieval.subsample(record, self.pipe.setting(task, "eval_examples"))
        model, tok = self.pipe.model(enc.source, "retrieval")
        length = self.pipe.task_params(task)["max_length"]
        embed = lambda texts: retrieval.embed(model, tok, texts, length, precision=self.params.precision)  # noqa: E731
        tgt, src = embed(record["target"]), embed(record["source"])
        clean = _retrieval_scores(task, src, tgt, record["gold"])
        out = {CLEAN: {**clean, "rate": 0.0}}
        for cond in conditions(self.params):
            texts, rate = self.perturbed(record["source"], cond, lang)
            out[cond] = {**_retrieval_scores(task, embed(texts), tgt, record["gold"]), "rate": rate, "ref": clean}
        if self.params.attack_budget:
            out[f"attack@{self.params.attack_budget}"] = self._attack(task, record, embed, tgt)
        return out

    def _attack(self, task: Task, record: dict, embed, tgt) -> dict:
        sub = retrieval.subsample(record, self.params.attack_examples)
        sources = [sub["source"][i] for i, _ in sub["gold"]]
        tgt_sub = embed(sub["target"])
        gold_vecs = tgt_sub[[j for _, j in sub["gold"]]]

        def objective(texts: list[str], owners: list[int]):
            return (embed(texts) * gold_vecs[owners]).sum(axis=1)

        attacked, _, _ = attack.greedy(
            sources, objective, self.params.attack_budget, self.pipe.ctx.seed, self.params.attack_candidates
        )
        src_clean = embed(sub["source"])
        src_attacked = src_clean.copy()
        src_attacked[[i for i, _ in sub["gold"]]] = embed(attacked)
        rates = [perturb.change_rate("char", a, b) for a, b in zip(sources, attacked, strict=True)]
        ref = _retrieval_scores(task, src_clean, tgt_sub, sub["gold"])
        return {
            **_retrieval_scores(task, src_attacked, tgt_sub, sub["gold"]),
            "rate": statistics.fmean(rates),
            "ref": ref,
        }

    # -- classification --------------------------------------------------------------
    def classification(self, enc: transfer.Encoder, task: Task, name: str = BASELINE) -> dict[str, dict]:
        """Each language's sweep; the clean items become the arm's cells, which the trainability gate reads."""
        spec = self.spec(task, **self.pipe.task_params(task))
        self.pipe.trainings += 1
        stage = self.pipe.cache.run(
            "stability-target", spec, lambda d: self._classification(enc, task, d), inputs=[enc.key]
        )
        self.pipe.missing.setdefault(task.name, []).extend(stage.output["missing"])
        role = "reference" if name == BASELINE else "treated"
        self.pipe.cells += [
            self.pipe.cell(task, lang, name, role, found) for lang, found in stage.output["cells"].items()
        ]
        return stage.output["languages"]

    def _classification(self, enc: transfer.Encoder, task: Task, folder: Path) -> dict:
        rows, missing = self.pipe.eval_rows(task)
        model, tok, out = self.pipe.fit_head(enc, task, folder)
        params = self.pipe.eval_params(task)
        clean = {lang: evaluation.items(task, model, tok, rs, params, lang) for lang, rs in rows.items()}
        found = {lang: self._classify_sweep(task, model, tok, rs, lang, clean[lang]) for lang, rs in rows.items()}
        cells = {
            lang: {"items": [i.model_dump() for i in clean[lang]], "trivial": evaluation.trivial(task, rows[lang])}
            for lang in rows
        }
        return {**out, "languages": found, "missing": missing, "cells": cells}

    def _classify_sweep(self, task: Task, model, tok, rows: list[dict], lang: str, clean_items: list) -> dict:
        score = lambda rs: evaluation.evaluate(task, model, tok, rs, self.pipe.eval_params(task), lang)  # noqa: E731
        clean = {"score": evaluation.score(clean_items)}
        out = {CLEAN: {**clean, "rate": 0.0}}
        for cond in conditions(self.params):
            a, rate_a = self.perturbed([r["text_a"] for r in rows], cond, lang)
            b, rate_b = self.perturbed([r["text_b"] for r in rows], cond, lang)
            moved = [{**r, "text_a": x, "text_b": y} for r, x, y in zip(rows, a, b, strict=True)]
            out[cond] = {"score": score(moved), "rate": (rate_a + rate_b) / 2, "ref": clean}
        return out


def _retrieval_scores(task: Task, src, tgt, gold: list[list[int]]) -> dict[str, float]:
    return {
        "score": retrieval.metric(task.name, src, tgt, gold),
        "margin": 100 * retrieval.alignment_margin(src, tgt, gold),
    }


# -- from per-language results to measurements -------------------------------------------
def _measure(enc_name: str, task: str, by_lang: dict[str, dict]) -> list[Measurement]:
    out = []
    for cond in sorted({c for per in by_lang.values() for c in per}):
        rows = {lang: per[cond] for lang, per in by_lang.items() if cond in per}
        for field, tag in PREFIX.items():
            if all(field in r for r in rows.values()):
                out += _field(tag, field, enc_name, task, cond, rows)
        if cond != CLEAN:
            rate = statistics.fmean(r["rate"] for r in rows.values())
            out.append(Measurement(metric=f"rate[{enc_name}]", task=task, condition=cond, value=rate))
    return out


def _field(tag: str, field: str, enc: str, task: str, cond: str, rows: dict[str, dict]) -> list[Measurement]:
    """Per language and averaged over languages; for a perturbed condition, its drop from clean too."""
    metric = f"{tag}score[{enc}]"
    out = [
        Measurement(metric=metric, task=task, language=lang, value=r[field], condition=cond) for lang, r in rows.items()
    ]
    out.append(
        Measurement(metric=metric, task=task, condition=cond, value=statistics.fmean(r[field] for r in rows.values()))
    )
    if cond != CLEAN:  # each perturbed result carries its clean reference ('ref'), the attack's a subset's
        drop = statistics.fmean(r["ref"][field] - r[field] for r in rows.values())
        out.append(Measurement(metric=f"{tag}drop[{enc}]", task=task, condition=cond, value=drop))
    return out


def _gains(measured: list[Measurement], encoders: list[str]) -> list[Measurement]:
    """stability_gain[e] = drop[baseline] − drop[e], per task, condition and measure."""
    drops = {(m.metric, m.task, m.condition): m.value for m in measured if "drop[" in m.metric}
    out = []
    for (metric, task, cond), base in drops.items():
        tag, _, enc = metric.partition("drop[")
        if enc.rstrip("]") != BASELINE:
            continue
        for name in encoders:
            if (key := (f"{tag}drop[{name}]", task, cond)) in drops:
                gain = f"{tag}stability_gain[{name}]"
                out.append(Measurement(metric=gain, task=task, condition=cond, value=base - drops[key]))
    return out


def _headline(name: str, hypothesis: Hypothesis, measured: list[Measurement]) -> Measurement:
    metric = f"{PREFIX[hypothesis.measure]}stability_gain[{hypothesis.encoder}]"
    for m in measured:
        if (m.metric, m.task, m.condition) == (metric, hypothesis.task, hypothesis.condition):
            return Measurement(metric=name, value=m.value, split="dev")
    raise Unverifiable(
        f"the hypothesis names {metric} on {hypothesis.task} under {hypothesis.condition}, "
        "which this run did not measure"
    )


def flat(measured: list[Measurement]) -> list[str]:
    """Encoders whose language-averaged score never moves, clean or perturbed: a warning sign.

    A target model that predicts one class scores the same on any input, so its drop is
    zero by construction and says nothing about stability.
    """
    values: dict[tuple[str, str], set[float]] = {}
    for m in measured:
        if m.metric.startswith("score[") and m.language == "*":
            values.setdefault((m.task, m.metric[len("score[") : -1]), set()).add(round(m.value, 9))
    return [
        f"{task} [{enc}]: the score is {v.pop():g} under every condition (a one-class target model?)"
        for (task, enc), v in sorted(values.items())
        if len(v) == 1
    ]


def _encoders(pipe: transfer.Pipeline) -> dict[str, transfer.Encoder]:
    base = pipe.base()
    trained = {t.name: pipe.intermediate(base, t) for t in pipe.available(pipe.params.intermediate)}
    return {BASELINE: base, **trained}


def _bookkeeping(pipe: transfer.Pipeline) -> list[Measurement]:
    counts = {
        "train_steps": pipe.steps,
        "training_stages": pipe.trainings,
        "stages_cached": pipe.cache.hits,
        "stages_run": pipe.cache.runs,
    }
    return [Measurement(metric=k, value=v) for k, v in counts.items()]


def run(ctx: RunContext) -> list[Measurement]:
    quiet()
    params: StabilityParams = ctx.params
    pipe = transfer.Pipeline(ctx, params, transfer.stage_cache(ctx))
    # A proxy that lacks the mechanism a target format is about cannot answer for it (issue #31):
    # the research question's retrieval claims are NOT_APPLICABLE at mini, as the transfer ones are.
    targets = pipe.applicable([get(t) for t in params.targets])
    sweep, encoders = Sweep(pipe), _encoders(pipe)
    measured: list[Measurement] = []
    for task in targets:
        for name, enc in encoders.items():
            by_lang = sweep.retrieval(enc, task) if task.format == "parallel" else sweep.classification(enc, task, name)
            if not by_lang:
                raise Unverifiable(f"{task.name}: no evaluation language is available")
            measured += _measure(name, task.name, by_lang)
    measured += _gains(measured, [n for n in encoders if n != BASELINE])
    ctx.cells.extend(pipe.cells)  # the checkpoints' own-task checks, the classifiers' clean items
    ctx.notes.extend(sorted(set(pipe.notes)) + flat(measured))
    missing = {t: sorted(set(langs)) for t, langs in pipe.missing.items() if langs}
    ctx.notes.extend(f"{t}: not scored in {', '.join(langs)}" for t, langs in sorted(missing.items()))
    headline = _headline(ctx.spec.metric.name, params.hypothesis, measured)
    return [*measured, headline, *_bookkeeping(pipe)]


EXPERIMENT = experiment("alignment-stability", StabilityParams, run)
