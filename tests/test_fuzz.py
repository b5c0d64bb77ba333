"""Hostile input, generated: reports in all three formats, claim specs and CLI arguments.

Each case must end in success or in one ``AuditError`` line (exit 2 through the CLI): no
other exception, no traceback, no raw control character, and the store's earlier rows
unchanged. The example counts are fixed (derandomized) so CI runs the same cases, and
sum to over 1,000; each strategy mutates a valid seed input, so the cases reach past
the first check of each reader.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from audit.errors import AuditError, IngestError, SpecError
from audit.synthesis.reading import detect
from audit.synthesis.report_format import parse
from tests.conftest import CLAIMS

BASE = settings(derandomize=True, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def fuzz(examples: int) -> settings:
    return settings(BASE, max_examples=examples)


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
runner = CliRunner()

# Cells that have broken readers before: markup, control bytes, huge numbers, odd marks.
NASTY = st.sampled_from(
    [
        "[/]",
        "[bold]x",
        "\x1b[31m",
        "\x00",
        "\u202e",
        "9" * 400,
        "1e309",
        "-0",
        "nan",
        "✓",
        "×",
        "✔",
        "✗",
        "yes",
        "no",
        "",
        " ",
        "\t",
        "|",
        "\\|",
        "0.5",
        "1.7",
        "...",
        "# h",
        "## References",
        "- ref",
        "{",
        "}",
        '"',
        "'",
    ]
)
CELL = st.one_of(NASTY, st.text(max_size=40))


def _row(cells: list[str]) -> str:
    return "\t".join(cells)


@st.composite
def text_report(draw) -> str:
    title = draw(st.one_of(st.just("# A synthesis"), CELL.map(lambda c: "# " + c), st.just("")))
    counts = draw(
        st.one_of(
            st.just("10 papers retrieved. 2 claims extracted; 1 independently verified. Quality review score: 7.2/10."),
            CELL,
        )
    )
    header = draw(st.sampled_from(["Claim\tVerified\tConfidence", "Claim\tVerified", "claim\tverified\tconfidence"]))
    rows = draw(st.lists(st.lists(CELL, min_size=1, max_size=4).map(_row), max_size=5))
    blank = "\n" * draw(st.integers(0, 3))
    return "\n".join([title, blank, counts, "", header, *rows, "", "## References", "- x"])


@st.composite
def md_report(draw) -> str:
    rows = draw(st.lists(st.lists(CELL, min_size=1, max_size=4).map(lambda c: "| " + " | ".join(c) + " |"), max_size=5))
    sep = draw(st.sampled_from(["|---|---|---|", "|--|--|--|", "| :---: | --- | ---: |", ""]))
    return "\n".join(["# T", "", "| Claim | Verified | Confidence |", sep, *rows])


JSONISH = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), CELL),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(CELL, inner, max_size=3),
    max_leaves=8,
)
FIELDS = ["title", "date", "research_question", "papers", "claims_extracted", "verified", "quality", "references"]


@st.composite
def json_report(draw) -> str:
    data = {"title": draw(st.one_of(st.just("T"), JSONISH))}
    data |= draw(st.dictionaries(st.sampled_from(FIELDS), JSONISH, max_size=4))
    claim = st.fixed_dictionaries({"claim": JSONISH, "verified": JSONISH, "confidence": JSONISH})
    data["claims"] = draw(st.one_of(st.lists(claim, max_size=4), JSONISH))
    return json.dumps(data, allow_nan=True)


def _one_clean_line(exc: Exception) -> None:
    assert isinstance(exc, AuditError), f"{type(exc).__name__}: {exc}"
    assert "\n" not in str(exc)


def _read(text: str) -> None:
    from audit.synthesis import report_json, report_markdown

    readers = {"text": parse, "md": report_markdown.parse, "json": report_json.parse}
    try:
        rec = readers[detect(text)](text, report_id="fuzz")
    except IngestError as exc:
        _one_clean_line(exc)
        return
    assert all(0.0 <= r.confidence <= 1.0 for r in rec.rows) and rec.rows


@fuzz(300)
@given(text_report())
def test_text_reports(text):
    _read(text)


@fuzz(200)
@given(md_report())
def test_markdown_reports(text):
    _read(text)


@fuzz(200)
@given(json_report())
def test_json_reports(text):
    _read(text)


SEED_SPEC = yaml.safe_load((CLAIMS / "000_adfd80519d6416c1" / "squad-gain.yaml").read_text())


@st.composite
def spec_text(draw) -> str:
    """The squad-gain spec with one field replaced, removed, or the text itself cut or tagged."""
    data = dict(SEED_SPEC)
    key = draw(st.sampled_from(sorted(data)))
    action = draw(st.sampled_from(["replace", "remove", "cut", "tag", "nest"]))
    if action == "replace":
        data[key] = draw(JSONISH)
    elif action == "remove":
        data.pop(key)
    text = yaml.safe_dump(data, allow_unicode=True)
    if action == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif action == "tag":
        text = text.replace(f"{key}:", f"{key}: {draw(st.sampled_from(['!!int', '!!float', '!!binary', '!!set']))}", 1)
    elif action == "nest":
        text += "x: " + "[" * draw(st.integers(1, 3000))
    return text


@fuzz(200)
@given(spec_text())
def test_claim_specs(tmp_path_factory, text):
    from audit.synthesis.claims import load_spec

    path = tmp_path_factory.mktemp("spec") / "squad-gain.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_spec(path)
    except SpecError as exc:
        _one_clean_line(exc)


FLAGS = ["--profile", "--seeds", "--claim", "--format", "--jobs", "--all", "-c", "--help"]
VALUES = ["smoke", "mini", "full", "squad-gain", "0", "-1", "99999999999", "x"]
ARG = st.one_of(st.sampled_from(FLAGS + VALUES), CELL)
COMMAND = st.sampled_from(
    [
        ["show"],
        ["report"],
        ["claims"],
        ["ingest"],
        ["ci", "--baseline"],
        ["verify", "--seeds"],
        ["verify", "--profile"],
        ["report", "--format"],
        ["show", "--"],
    ]
)


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory, seed_report_module):
    """A store holding the seed report; every fuzzed command must leave its rows as they were."""
    from audit.settings import Settings
    from audit.synthesis.ingest import ingest

    root = tmp_path_factory.mktemp("cli")
    settings_ = Settings(store=root / "audit.duckdb", claims_dir=CLAIMS, data_dir=None)
    ingest(settings_, seed_report_module, drafts=False)
    return settings_


@pytest.fixture(scope="module")
def seed_report_module():
    from tests.conftest import SEED_REPORT

    if not SEED_REPORT.is_file():
        pytest.skip(f"seed report not found at {SEED_REPORT}")
    return SEED_REPORT


def _snapshot(store_path) -> list:
    import duckdb

    with duckdb.connect(str(store_path), read_only=True) as con:
        return [con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in ("reports", "report_versions")]


def _run_cli(argv: list[str]) -> tuple[int, str]:
    """``audit.cli.main.run``, the console script's own path (usage errors included), with its output captured."""
    from audit.cli.main import run

    with runner.isolation() as (_, _, output):
        code = run(argv)
        return code, output.getvalue().decode("utf-8", "replace")


@fuzz(150)
@given(COMMAND, st.lists(ARG, max_size=3))
def test_cli_arguments(cli_store, command, args):
    if "verify" in command:
        args = ["x", *args]  # never start a real run: verify's option gets a bad value first
    before = _snapshot(cli_store.store)
    where = ["--store", str(cli_store.store), "--claims-dir", str(cli_store.claims_dir)]
    code, output = _run_cli([*where, *command, *args])
    assert "Traceback" not in output and not CONTROL.search(output), output
    assert code in (0, 1, 2), output
    if code == 2:
        assert len(output.strip().splitlines()) == 1, output
    assert _snapshot(cli_store.store) == before


# Stores and baselines (issue #33): a damaged store file and a baseline of hostile checks are one
# line and exit 2 from every command that opens them; nothing else is touched.
@fuzz(40)
@given(offset=st.integers(min_value=0, max_value=1 << 20), width=st.integers(1, 64), byte=st.integers(0, 255))
def test_damaged_stores(cli_store, tmp_path_factory, offset, width, byte):
    raw = bytearray(cli_store.store.read_bytes())
    start = offset % len(raw)
    raw[start : start + width] = bytes([byte]) * len(raw[start : start + width])
    damaged = tmp_path_factory.mktemp("damaged") / "audit.duckdb"
    damaged.write_bytes(bytes(raw))
    for command in (["report"], ["runs"], ["show", "mnli-size"], ["report", "--format", "json"]):
        code, output = _run_cli(["--store", str(damaged), "--claims-dir", str(cli_store.claims_dir), *command])
        assert "Traceback" not in output and not CONTROL.search(output), output
        assert code in (0, 2), output
        if code == 2:
            assert len(output.strip().splitlines()) == 1, output


# Every check is hostile in at least one way (its claim, or its params), so none may start a run;
# the other fields add what a check can get wrong besides.
CHECK = st.fixed_dictionaries(
    {
        "claim": st.sampled_from(["mnli-gain", "base-model", "no-such-claim", "[/]x"]),
        "params": st.sampled_from([{"nonsense": 1}, {"max_steps": -5}, {"targets": "xnli"}, [], "x"]),
        "profile": st.sampled_from(["mini", "smoke", "huge", 3]),
        "seeds": st.sampled_from([1, 0, -1, "two", 101]),
        "value": st.sampled_from([1.0, "x", None]),
        "tolerance": st.sampled_from([1.0, -1.0]),
        "verdict": st.sampled_from(["SUPPORTED", "nonsense"]),
    }
)
VALID = {"claim": "mnli-gain", "profile": "mini", "seeds": 1, "value": 1.0, "tolerance": 1.0, "verdict": "SUPPORTED"}


@fuzz(60)
@given(checks=st.lists(CHECK, min_size=1, max_size=2), first=st.booleans())
def test_hostile_baselines(cli_store, tmp_path_factory, checks, first):
    """A hostile check is refused before any check runs, even after a valid one (``first``)."""
    path = tmp_path_factory.mktemp("baseline") / "baseline.yaml"
    path.write_text(yaml.safe_dump({"schema_version": 1, "checks": [VALID, *checks] if first else checks}))
    where = ["--store", str(cli_store.store), "--claims-dir", str(cli_store.claims_dir)]
    code, output = _run_cli([*where, "ci", "--baseline", str(path)])
    assert "Traceback" not in output and not CONTROL.search(output), output
    assert code == 2 and len(output.strip().splitlines()) == 1, output
