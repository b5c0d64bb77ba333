import pytest

from audit.errors import SpecError, UnknownClaimError
from audit.synthesis.claims import find, load_all
from tests.conftest import CLAIMS

SEED_IDS = {
    "squad-gain", "mnli-gain", "hellaswag-gain", "multitask-gain", "retrieval-gain", "tydiqa-gain",
    "xnli-no-gain", "xtreme-best-gain", "english-beats-mlm", "english-beats-translated", "base-model",
    "target-task-count", "language-count", "intermediate-task-types", "anli-plus-size", "mnli-size",
    "qqp-source", "squad-source", "hellaswag-source", "retrieval-no-train", "three-phase",
}  # fmt: skip


def test_all_21_seed_claims_are_encoded():
    specs = {k: s for k, s in load_all(CLAIMS).items() if s.source.report == "000_adfd80519d6416c1"}
    assert set(specs) == SEED_IDS
    assert sum(s.synthesis.verified for s in specs.values()) == 14


def test_the_research_questions_claims_are_ours_and_unmarked():
    ours = [s for s in load_all(CLAIMS).values() if s.source.report == "rq-alignment-stability"]
    assert len(ours) == 7 and all(s.synthesis is None for s in ours)
    assert {s.claimed.comparison.value for s in ours} == {"positive", "negative"}  # both directions


def test_unknown_id_suggests_the_closest():
    with pytest.raises(UnknownClaimError) as err:
        find(load_all(CLAIMS), "squad-gian")
    assert "squad-gain" in str(err.value)


def test_duplicate_ids_across_reports_are_an_error(claims_copy):
    other = claims_copy / "another-report"
    other.mkdir()
    (other / "squad-gain.yaml").write_text((claims_copy / "000_adfd80519d6416c1" / "squad-gain.yaml").read_text())
    with pytest.raises(SpecError, match="already defined"):
        load_all(claims_copy)


def test_a_bogus_per_profile_comparison_fails_on_load_not_at_verify(claims_copy):
    import yaml

    from audit.errors import SpecError
    from audit.synthesis.claims import load_all

    path = claims_copy / "000_adfd80519d6416c1" / "squad-gain.yaml"
    data = yaml.safe_load(path.read_text())
    data["experiment"]["profiles"]["mini"]["claimed"] = {"comparison": "bogus"}
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SpecError, match=r"experiment\.profiles\.mini\.claimed\.comparison"):
        load_all(claims_copy)
