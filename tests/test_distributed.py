"""DDP within a stage (``experiments.toolkit.distributed``), run on the CPU over gloo: two processes
train what one process trains, for a single head and for a multi-task mix."""

from __future__ import annotations

import json

import pytest
import torch

from audit.errors import AuditError
from experiments.toolkit import distributed, features, models, multitask
from experiments.toolkit.training import quiet
from tests.tiny import build

CORPUS = ["the cat sat on the mat", "der Hund schläft", "le chat dort", "a dog runs fast"] * 10
NO_DROPOUT = {"hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0}
PARAMS = {"batch_size": 4, "learning_rate": 1e-3, "warmup_ratio": 0.0, "save_steps": 50}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    quiet()
    enc = build(tmp_path_factory.mktemp("tiny"), CORPUS)
    return enc, models.load_tokenizer(enc)


def _pairs(tok, n: int = 16, labels: int = 3):
    rows = [{"text_a": CORPUS[i], "text_b": CORPUS[i + 1], "label": i % labels} for i in range(n)]
    return features.encode_pair(tok, rows, None, 16)


def _head(enc):
    torch.manual_seed(0)
    return models.with_head(enc, "sequence-classification", num_labels=3, **NO_DROPOUT)


def _mix(enc):
    torch.manual_seed(0)
    heads = {
        "nli": models.with_head(enc, "sequence-classification", num_labels=3, **NO_DROPOUT),
        "para": models.with_head(enc, "sequence-classification", num_labels=2, **NO_DROPOUT),
    }
    return multitask.MultiTask(heads)


def _mlm_mix(enc):
    torch.manual_seed(0)
    heads = {
        "nli": models.with_head(enc, "sequence-classification", num_labels=3),
        "mlm": models.with_head(enc, "masked-lm"),
    }
    return multitask.MultiTask(heads)


def _weights(model) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _gap(a: dict, b: dict) -> float:
    return max((a[k] - b[k]).abs().max().item() for k in a)


def _train(model, tok, parts, folder, processes: int, **params):
    done = distributed.train(model, tok, parts, folder, {**PARAMS, **params, "ddp_processes": processes}, seed=0)
    return done, _weights(model)


def test_two_processes_train_what_one_trains(tiny, tmp_path):
    enc, tok = tiny
    start = _weights(_head(enc))
    parts = [distributed.Part(_pairs(tok), "sequence-classification")]
    one, alone = _train(_head(enc), tok, parts, tmp_path / "one", 1, max_steps=4)
    two, split = _train(_head(enc), tok, parts, tmp_path / "two", 2, max_steps=4)
    assert one == two == (4, 4)
    moved = _gap(alone, start)
    assert moved > 1e-3  # it trained
    assert _gap(alone, split) < 0.01 * moved  # the same batches and gradients, summed in another order
    assert not (tmp_path / "two" / distributed.JOB).exists()  # the handover is cleaned up
    rank = json.loads((tmp_path / "two" / distributed.RANK_REGIME).read_text())
    assert rank["deterministic"] is True and rank["threads"] == torch.get_num_threads()  # the stage's regime


def test_two_processes_train_a_mix_as_one_does(tiny, tmp_path):
    """Each one-task batch is split over the processes: a step still holds one task, and the same rows."""
    enc, tok = tiny
    parts = [
        distributed.Part(_pairs(tok, 12), "sequence-classification", 4),
        distributed.Part(_pairs(tok, 8, labels=2), "sequence-classification", 2),
    ]
    params = {**multitask.TRAINER_PARAMS, "max_steps": 7, "learning_rate": 1e-3}
    start = _weights(_mix(enc))
    one, alone = _train(_mix(enc), tok, parts, tmp_path / "one", 1, **params)
    two, split = _train(_mix(enc), tok, parts, tmp_path / "two", 2, **params)
    assert one == two == (7, 7)
    moved = _gap(alone, start)
    assert moved > 1e-3
    assert _gap(alone, split) < 0.01 * moved


def test_a_mix_with_masked_lm_trains_over_two_processes(tiny, tmp_path):
    """The masked-LM head (its decoder tied to the embeddings) crosses the handover and trains.

    Not compared with one process: each process averages over its own masked tokens, as DDP
    masked-LM training does, so a step weights tokens by process.
    """
    enc, tok = tiny
    model = _mlm_mix(enc)
    embeddings = model.base_model.embeddings.word_embeddings.weight.detach().clone()
    parts = [
        distributed.Part(_pairs(tok, 8), "sequence-classification", 4),
        distributed.Part(multitask.mlm_features(tok, CORPUS[:8], 16), "masked-lm", 4),
    ]
    params = {**multitask.TRAINER_PARAMS, "max_steps": 4, "learning_rate": 1e-3}
    assert _train(model, tok, parts, tmp_path, 2, **params)[0] == (4, 4)
    assert not torch.equal(embeddings, model.base_model.embeddings.word_embeddings.weight)
    assert model.heads["mlm"].lm_head.decoder.weight is model.base_model.embeddings.word_embeddings.weight


def test_accumulated_steps_average_like_one_batch(tiny, tmp_path):
    """4 x 2 with gradient accumulation trains what 8 x 1 trains (plain SGD shows the gradient's scale)."""
    enc, tok = tiny
    parts = [distributed.Part(_pairs(tok), "sequence-classification")]
    sgd = {**PARAMS, "optim": "sgd", "learning_rate": 0.1, "max_steps": 2}
    start = _weights(_head(enc))
    _, whole = _train(_head(enc), tok, parts, tmp_path / "whole", 1, **{**sgd, "batch_size": 8})
    _, accumulated = _train(_head(enc), tok, parts, tmp_path / "acc", 1, **{**sgd, "grad_accumulation": 2})
    assert _gap(whole, start) > 1e-4
    assert _gap(whole, accumulated) < 1e-3 * _gap(whole, start)


def test_a_batch_that_does_not_split_evenly_stops_before_launching(tiny, tmp_path):
    enc, tok = tiny
    parts = [distributed.Part(_pairs(tok), "sequence-classification")]
    with pytest.raises(AuditError, match="batch of 4 does not split evenly over 3 processes"):
        distributed.train(_head(enc), tok, parts, tmp_path, {**PARAMS, "ddp_processes": 3}, seed=0)
    assert not (tmp_path / distributed.JOB).exists()


def test_a_failing_rank_is_one_line_with_its_log(tiny, tmp_path):
    enc, tok = tiny
    parts = [distributed.Part(_pairs(tok), "sequence-classification")]
    broken = {**PARAMS, "ddp_processes": 2, "max_steps": 2, "learning_rate": "fast"}
    with pytest.raises(RuntimeError, match=r"training over 2 processes failed: .*\(log: "):
        distributed.train(_head(enc), tok, parts, tmp_path, broken, seed=0)


def test_a_claim_verifies_with_its_training_stages_over_two_processes(tmp_path):
    """mnli-gain at smoke, every training stage (the MNLI checkpoint, each arm's XNLI model) under DDP."""
    import shutil

    import yaml

    from audit.judge.verdict import Status
    from audit.profiles import Profile
    from audit.run.verify import verify
    from audit.settings import Settings
    from audit.store import Store
    from audit.synthesis.claims import load_all
    from tests.conftest import CLAIMS, SHARED

    if not (SHARED / "data").is_dir():
        pytest.skip("data pack not found")
    claims = tmp_path / "claims"
    shutil.copytree(CLAIMS, claims)
    path = next(claims.glob("*/mnli-gain.yaml"))
    data = yaml.safe_load(path.read_text())
    data["experiment"]["params"]["ddp_processes"] = 2
    path.write_text(yaml.safe_dump(data))
    settings = Settings(store=tmp_path / "audit.duckdb", claims_dir=claims, data_dir=SHARED / "data")
    [verdict] = verify([load_all(claims)["mnli-gain"]], Profile.SMOKE, 1, settings)
    assert verdict.status == Status.PIPELINE_OK, verdict.reason
    stages = [json.loads(p.read_text()) for p in settings.stages_dir.rglob("stage.json")]
    trained = [s for s in stages if s["name"] in ("intermediate", "target")]
    assert len(trained) == 3  # MNLI's checkpoint, and XNLI from the base and from it
    assert all(s["spec"]["ddp_processes"] == 2 and s["output"]["steps"] > 0 for s in trained)
    with Store(settings.store) as store:
        [prov] = store.rows("SELECT numerics FROM provenance")
    assert json.loads(prov["numerics"])["ddp_processes"] == 2
