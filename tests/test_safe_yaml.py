"""audit.safe_yaml: user YAML with limits; each reproducer from the hardening issue is one line, fast."""

import time

import pytest

from audit import safe_yaml
from audit.errors import SpecError
from audit.synthesis.claims import load_spec


def _bomb(levels: int) -> str:
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_bomb(9), "expands to more than 100,000 nodes"),
        ("a: &a [*a]\n", "recursive alias"),
        ("[" * 1000 + "]" * 1000, "nested deeper than 32"),
        ("a: !!int abc\n", "not valid YAML"),
        ("a: !!python/object:os.system x\n", "could not determine a constructor"),
        ("a: " + "9" * 5000 + "\n", "not valid YAML"),
        ("a: [1, 2\n", "not valid YAML"),
    ],
)
def test_hostile_yaml_is_one_line_and_fast(text, message):
    start = time.perf_counter()
    with pytest.raises(safe_yaml.YamlError, match=message) as info:
        safe_yaml.loads(text)
    assert time.perf_counter() - start < 2 and "\n" not in str(info.value)


def test_a_small_alias_still_loads():
    assert safe_yaml.loads("x: &p {a: 1}\ny: *p\n") == {"x": {"a": 1}, "y": {"a": 1}}
    assert safe_yaml.loads(_bomb(4)) is not None  # 10^4 leaves: under the bound


@pytest.mark.parametrize("kind", ["directory", "broken symlink", "latin-1", "huge"])
def test_a_spec_path_that_is_not_a_yaml_file_is_a_spec_error(tmp_path, kind):
    path = tmp_path / "squad-gain.yaml"
    if kind == "directory":
        path.mkdir()
    elif kind == "broken symlink":
        path.symlink_to(tmp_path / "nowhere.yaml")
    elif kind == "latin-1":
        path.write_bytes("id: caf\xe9\n".encode("latin-1"))
    else:
        path.write_text("# " + "x" * (safe_yaml.MAX_BYTES + 1))
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)
