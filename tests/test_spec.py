from pathlib import Path

import pytest
import yaml

from audit.errors import SpecError
from audit.profiles import Profile
from audit.synthesis.claims import load_spec
from audit.synthesis.spec import ClaimSpec, Comparison, numbers_in, printed_precision
from tests.conftest import CLAIMS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8.2", 0.05),
        ("5.4", 0.05),
        ("7.0", 0.05),
        ("9", 0.5),
        ("40", 0.5),
        ("1,104,934", 0.5),
        ("392,702", 0.5),
        ("0.125", 0.0005),
    ],
)
def test_printed_precision_is_half_the_last_digit(text, expected):
    assert printed_precision(text) == pytest.approx(expected)


def test_numbers_keep_thousands_separators_and_decimals():
    assert numbers_in("ANLI+ has 1,104,934 examples; SQuAD gives 8.2 points on 9 tasks.") == [
        "1,104,934",
        "8.2",
        "9",
    ]
    assert numbers_in("Nine tasks, one model, XLM-R Large.") == ["9", "1"]


def test_every_curated_precision_matches_the_statement_digits():
    for path in sorted(CLAIMS.glob("*/*.yaml")):
        spec = load_spec(path)
        if spec.claimed.comparison != Comparison.APPROX or spec.claimed.unit == "bool":
            continue
        printed = [n for n in numbers_in(spec.statement) if float(n.replace(",", "")) == spec.claimed.value]
        assert printed, f"{spec.id}: claimed value not printed in the statement"
        assert spec.claimed.precision == pytest.approx(printed_precision(printed[0])), spec.id


def _write(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / "r" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def _valid() -> dict:
    return yaml.safe_load((CLAIMS / "000_adfd80519d6416c1" / "squad-gain.yaml").read_text())


@pytest.mark.parametrize(
    ("mutate", "field", "problem"),
    [
        (lambda d: d["synthesis"].update(confidence=1.5), "synthesis.confidence", "less than or equal to 1"),
        (lambda d: d.update(colour="red"), "colour", "Extra inputs are not permitted"),
        (lambda d: d["claimed"].pop("value"), "claimed", "needs a value"),
        (lambda d: d.update(kind="anecdote"), "kind", "Input should be"),
        (lambda d: d.pop("statement"), "statement", "Field required"),
        (lambda d: d["source"].update(arxiv="2005"), "source.arxiv", "pattern"),
    ],
)
def test_invalid_spec_names_file_field_and_problem(tmp_path, mutate, field, problem):
    data = _valid()
    mutate(data)
    path = _write(tmp_path, "squad-gain", data)
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert err.value.field == field
    assert problem in err.value.problem
    assert str(path) in str(err.value)


def test_id_must_match_file_name(tmp_path):
    with pytest.raises(SpecError, match="does not match the file name"):
        load_spec(_write(tmp_path, "other-name", _valid()))


def test_broken_yaml_gives_a_line(tmp_path):
    with pytest.raises(SpecError, match=r"line \d+.*not valid YAML"):
        load_spec(_write(tmp_path, "x", "id: [unclosed\nstatement: a"))


def test_non_mapping_yaml_is_rejected(tmp_path):
    with pytest.raises(SpecError, match="expected a mapping"):
        load_spec(_write(tmp_path, "x", "- a list\n"))


def test_mini_profile_judges_direction_only():
    spec = ClaimSpec.model_validate(_valid())
    assert spec.claimed_for(Profile.FULL).comparison == Comparison.APPROX
    assert spec.claimed_for(Profile.MINI).comparison == Comparison.POSITIVE
    assert spec.params_for(Profile.MINI)["model"] == "offline:multilingual-e5-small"
    assert spec.params_for(Profile.MINI)["intermediate"] == ["squad_v2"]


def test_content_hash_ignores_yaml_layout_but_not_content():
    data = _valid()
    a = ClaimSpec.model_validate(data).content_hash()
    data["claimed"]["margin"] = 0.75
    assert ClaimSpec.model_validate(data).content_hash() != a
    assert ClaimSpec.model_validate(_valid()).content_hash() == a
