"""Each head trains and evaluates on a tiny model with real pack examples."""

import pytest

from experiments.toolkit import evaluation, features, models, qa, retrieval
from experiments.toolkit.tasks import get, load_records
from experiments.toolkit.training import fit, quiet
from tests.test_readers import Ctx
from tests.tiny import build

NER = {"B-LOC", "I-LOC", "B-PER", "I-PER", "B-ORG", "I-ORG", "O"}
PARAMS = {"max_steps": 3, "batch_size": 4, "save_steps": 100, "max_length": 64}


@pytest.fixture(scope="module")
def world(tmp_path_factory, request):
    from tests.conftest import SHARED

    pack = SHARED / "data"
    if not pack.is_dir():
        pytest.skip("data pack not found")
    quiet()
    ctx = Ctx(pack)
    corpus = [r["text_a"] for r in load_records(get("xnli"), "dev", "de", ctx)[:50]]
    corpus += [r["text_a"] for r in load_records(get("mnli"), "train", "en", ctx)[:50]]
    return ctx, build(tmp_path_factory.mktemp("tiny"), corpus)


def train_and_score(world, tmp_path, task_name, lang, encode, config):
    ctx, enc = world
    task = get(task_name)
    tok = models.load_tokenizer(enc)
    rows = load_records(task, "train", "en", ctx)[:8]
    model = models.with_head(enc, task.head, **config(rows))
    steps = fit(model, tok, encode(tok, rows), features.collator(task.head, tok), tmp_path, PARAMS, seed=0).run
    score = evaluation.evaluate(task, model, tok, load_records(task, "dev", lang, ctx)[:8], PARAMS, lang)
    return steps, score


def test_sequence_classification_head(world, tmp_path):
    steps, score = train_and_score(
        world,
        tmp_path,
        "xnli",
        "de",
        lambda tok, rows: features.encode_pair(tok, rows, get("xnli").labels, 64),
        lambda rows: {"num_labels": 3},
    )
    assert steps == 3 and 0.0 <= score <= 100.0


def test_token_classification_head_labels_first_subwords(world, tmp_path):
    def config(rows):
        tags = sorted(
            {t for r in rows for t in r["tags"]} | {"B-LOC", "I-LOC", "B-PER", "I-PER", "B-ORG", "I-ORG", "O"}
        )
        return {
            "num_labels": len(tags),
            "id2label": dict(enumerate(tags)),
            "label2id": {t: i for i, t in enumerate(tags)},
        }

    def encode(tok, rows):
        return features.encode_tags(tok, rows, config(rows)["label2id"], 64)

    steps, score = train_and_score(world, tmp_path, "panx", "de", encode, config)
    assert steps == 3 and 0.0 <= score <= 100.0


def test_first_subword_labelling():
    assert features.first_subword_labels([None, 0, 0, 1, None], ["B-PER", "O"], {"B-PER": 1, "O": 0}) == [
        -100,
        1,
        -100,
        0,
        -100,
    ]


def test_question_answering_head(world, tmp_path):
    steps, score = train_and_score(
        world, tmp_path, "xquad", "de", lambda tok, rows: qa.train_features(tok, rows, 64), lambda rows: {}
    )
    assert steps == 3 and 0.0 <= score <= 100.0


def test_multiple_choice_head(world, tmp_path):
    ctx, enc = world
    task = get("hellaswag")
    tok = models.load_tokenizer(enc)
    rows = load_records(task, "train", "en", ctx)[:8]
    model = models.with_head(enc, task.head)
    steps = fit(
        model, tok, features.encode_choice(tok, rows, 64), features.collator(task.head, tok), tmp_path, PARAMS, seed=0
    ).run
    assert steps == 3
    assert 0.0 <= evaluation.evaluate(task, model, tok, rows, PARAMS, "en") <= 100.0


def test_retrieval_finds_identical_sentences(world):
    _, enc = world
    model, tok = models.with_head(enc, "retrieval"), models.load_tokenizer(enc)
    sentences = ["Der Hund schläft.", "Ich trinke Kaffee.", "Es regnet heute.", "Wir fahren nach Berlin."]
    record = {"source": sentences, "target": sentences, "gold": [[i, i] for i in range(4)]}
    # identical sentences have identical embeddings: both scores are perfect, even with random weights
    assert retrieval.score("tatoeba", model, tok, record, 32) == 100.0
    assert retrieval.score("bucc", model, tok, record, 32) == 100.0


def test_qa_span_decoding_maps_back_to_context_text():
    import numpy as np

    records = [{"id": "q", "context": "Paris is the capital.", "answers": {"text": ["Paris"], "answer_start": [0]}}]
    feats = {"example_id": ["q"], "offset_mapping": [[None, (0, 5), (6, 8), None]]}

    class Rows(list):
        def __getitem__(self, i):
            return {"offset_mapping": feats["offset_mapping"][i]} if isinstance(i, int) else feats[i]

    start, end = np.array([[0.0, 5.0, 1.0, 0.0]]), np.array([[0.0, 4.0, 2.0, 0.0]])
    assert qa.best_spans(records, Rows(), start, end) == {"q": "Paris"}
    # with no-answer handling, a stronger null (CLS) score wins
    assert qa.best_spans(records, Rows(), start + np.array([[20, 0, 0, 0]]), end, no_answer=True) == {"q": ""}


def test_a_handed_over_encoder_gets_a_head_of_its_own_size(world, tmp_path):
    _, enc = world
    nli = models.with_head(enc, "sequence-classification", num_labels=3)
    models.save_encoder(nli, models.load_tokenizer(enc), tmp_path / "after-mnli")
    assert models.with_head(tmp_path / "after-mnli", "question-answering").qa_outputs.out_features == 2
    assert models.with_head(tmp_path / "after-mnli", "multiple-choice").classifier.out_features == 1


@pytest.mark.parametrize("task_name", ["xnli", "panx", "xquad"])
def test_dev_based_selection_keeps_the_best_checkpoint_on_held_out_items(world, tmp_path, task_name):
    """The full profile's checkpoint selection (jiant's): scored every 2 steps here, the best one kept."""
    import json

    from audit.profiles import Profile
    from experiments.toolkit.stages import StageCache
    from experiments.transfer.pipeline import Pipeline
    from tests.test_full_routing import Ctx as RunCtx
    from tests.tiny import transfer_params

    ctx, enc = world
    task, tok = get(task_name), models.load_tokenizer(enc)
    pipe = Pipeline(RunCtx(ctx.data_dir, Profile.SMOKE), transfer_params(max_length=64), StageCache(tmp_path, "c"))
    rows = load_records(task, "train", "en", ctx)[:16]
    ds, config = pipe.encode(task, tok, rows)
    select = pipe.encode(task, tok, load_records(task, "dev", "en", ctx)[:8])[0]
    model = models.with_head(enc, task.head, **config)
    params = {**PARAMS, "max_steps": 6, "select_every": 2, "select_items": 8, "select_patience": 30}
    steps = fit(model, tok, ds, features.collator(task.head, tok), tmp_path, params, 0, select).run
    [last] = sorted((tmp_path / "trainer").glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))[-1:]
    state = json.loads((last / "trainer_state.json").read_text())
    scores = {e["step"]: e["eval_selection"] for e in state["log_history"] if "eval_selection" in e}
    assert steps == 6 and sorted(scores) == [2, 4, 6]
    best = max(scores.values())
    assert state["best_metric"] == best
    assert state["best_model_checkpoint"].endswith(f"checkpoint-{min(s for s, v in scores.items() if v == best)}")
