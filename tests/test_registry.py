"""Lazy ``module:object`` registries: entries import on use, a taken name refuses a second entry."""

import subprocess
import sys

import pytest

import experiments
from audit.registry import Registry, RegistryError
from audit.settings import REPO_ROOT


def test_an_entry_is_imported_only_when_asked_for():
    reg = Registry("thing", {"json": "json:dumps"})
    assert "json" in reg and reg.names() == ["json"]
    assert reg.get("json")({"a": 1}) == '{"a": 1}'


def test_a_taken_name_refuses_a_different_entry_and_keeps_the_first():
    reg = Registry("experiment", {"x": "json:dumps"})
    reg.register("x", "json:dumps")  # the same entry again is harmless
    with pytest.raises(RegistryError, match="already registered as 'json:dumps'"):
        reg.register("x", "json:loads")
    assert reg.entry("x") == "json:dumps"


def test_an_entry_must_name_module_and_object():
    with pytest.raises(RegistryError, match="not 'module:object'"):
        Registry("figure", {"bad": "json.dumps"})


def test_an_unknown_name_says_what_kind_is_missing():
    with pytest.raises(KeyError, match="no planner of that name"):
        Registry("planner").entry("nope")


def test_every_registered_experiment_follows_the_contract():
    from audit.contract import Params

    for name in experiments.EXPERIMENTS.names():
        exp = experiments.EXPERIMENTS.get(name)
        assert exp.name == name and issubclass(exp.Params, Params) and callable(exp.run)


def test_listing_the_registries_imports_no_experiment_module():
    code = (
        "import sys, experiments; experiments.EXPERIMENTS.names(); experiments.PLANS.names();"
        "print(sorted(m for m in sys.modules if m.startswith('experiments.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
