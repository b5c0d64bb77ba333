"""Parsed specs kept between processes: a changed file is parsed again, a bad one is never kept."""

from __future__ import annotations

import os

import pytest

from audit.errors import SpecError
from audit.synthesis import parsed_cache
from audit.synthesis.claims import load_all


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_an_unchanged_spec_is_read_from_the_cache_and_a_changed_one_parsed_again(claims_copy):
    load_all(claims_copy)  # fills the cache
    path = next(claims_copy.glob("*/mnli-gain.yaml"))
    calls = []
    parsed_cache.load_all([path], lambda p: calls.append(p) or {})
    assert calls == []  # the cache answered
    path.write_text(path.read_text().replace("Intermediate-task", "Intermediate task"))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert "Intermediate task training" in load_all(claims_copy)["mnli-gain"].statement


def test_a_spec_that_fails_to_parse_is_refused_each_time(claims_copy):
    path = next(claims_copy.glob("*/mnli-gain.yaml"))
    path.write_text("id: [unclosed\n")
    for _ in range(2):
        with pytest.raises(SpecError, match="not valid YAML"):
            load_all(claims_copy)


def test_a_damaged_cache_is_only_slower(claims_copy):
    load_all(claims_copy)
    parsed_cache.cache_file().write_text("{not json")
    assert len(load_all(claims_copy)) >= 21
