"""Claim templates (``claims/templates.yaml``): a report's statement bound to a runnable spec.

A template's patterns are regular expressions with typed slots ({name:type}); the first
pattern of the first template that matches the whole statement, with every slot resolved
to exactly one value, binds it. Slots resolve against vocabularies the project declares:
task names and aliases (the "vocabulary" catalogue, ``audit.registry``), languages by English name or ISO
639-1 code (pycountry), numbers as printed. A slot with several candidates is never
guessed: the statement stays unbound, and the reason names the candidates. An unbound
statement says why in one line: no template matched (with the nearest), a slot names
nothing this project knows (with what it does know), or the task it names cannot be read
from any source (CCG: LDC-licensed).
"""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from audit.synthesis.spec import WORDS, printed_precision

TEMPLATES = Path(__file__).resolve().parents[2] / "claims" / "templates.yaml"
SLOT = re.compile(r"\{(\w+):(intermediate|target|intermediates|targets|sources|language|number)\}")
LIST = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")  # "A, B and C" -> A | B | C
NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
MAX_STATEMENT = 2000  # characters; longer rows are not bound (patterns stay linear on short text)


class Ambiguous(Exception):
    def __init__(self, slot: str, text: str, candidates: list[str]):
        super().__init__(f"slot '{slot}' ('{text}') could mean {', '.join(candidates)}; not guessed")


KNOWN = {"intermediate": "intermediate task", "intermediates": "intermediate task", "target": "target task",
         "targets": "target task", "sources": "dataset source", "language": "language", "number": "number"}  # fmt: skip


class Unknown(Exception):
    """A template's shape matched, but one slot's text names nothing this project knows."""

    def __init__(self, slot: str, kind: str, text: str):
        super().__init__(f"slot '{slot}' ('{text.strip()}') is not a known {KNOWN[kind]}{_known(kind)}")


def _known(kind: str) -> str:
    """The task names a task slot could have named."""
    role = {"intermediates": "intermediate", "targets": "target"}.get(kind, kind)
    if role not in {"intermediate", "target"}:
        return ""
    return f" (known: {', '.join(sorted({n for names in vocabulary()[role].values() for n in names}))})"


@dataclass(frozen=True)
class Binding:
    template: str
    version: int
    slots: dict[str, dict[str, Any]]  # name -> {text, value, how}
    spec: dict  # the spec's fields the template fills (kind, claimed, metric, experiment)


@dataclass(frozen=True)
class Unbound:
    reason: str
    nearest: list[str] = field(default_factory=list)


@cache
def templates(path: Path = TEMPLATES) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def vocabulary() -> dict:
    from audit.registry import catalogue

    return catalogue("vocabulary")()


@cache
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(SLOT.sub(lambda m: f"(?P<{m.group(1)}>.+?)", pattern), re.IGNORECASE)


def _task(role: str, text: str, slot: str) -> tuple[str, str]:
    found = vocabulary()[role].get(text.strip().casefold())
    if not found:
        raise LookupError(text)
    if len(set(found)) > 1:
        raise Ambiguous(slot, text, sorted(set(found)))
    return found[0], f"{role} task alias '{text}'"


def _language(text: str, slot: str) -> tuple[str, str]:
    import pycountry

    lang = pycountry.languages.get(alpha_2=text.lower()) if len(text) == 2 else None
    lang = lang or pycountry.languages.get(name=text.strip().title())
    if lang is None or not getattr(lang, "alpha_2", None):
        raise LookupError(text)
    return lang.alpha_2, f"language '{text}' = {lang.name} (ISO 639-1 {lang.alpha_2}, pycountry)"


def _number(text: str, slot: str) -> tuple[float, str]:
    plain = WORDS.get(text.strip().lower(), text.strip())
    if not NUMBER.match(plain):
        raise LookupError(text)
    return float(plain.replace(",", "")), f"number '{text}'"


def _source(text: str, slot: str) -> tuple[str, str]:
    found = vocabulary()["sources"].get(text.strip().casefold())
    if not found:
        raise LookupError(text)
    return found, f"source '{text}' = {found}"


def _many(kind: str, text: str, slot: str) -> tuple[list, str]:
    one = (lambda t: _task(kind[:-1], t, slot)) if kind != "sources" else (lambda t: _source(t, slot))
    parts = [one(t) for t in LIST.split(text.strip()) if t]
    return [v for v, _ in parts], "; ".join(how for _, how in parts)


def resolve(kind: str, text: str, slot: str) -> tuple[Any, str]:
    if kind in {"intermediate", "target"}:
        return _task(kind, text, slot)
    if kind in {"intermediates", "targets", "sources"}:
        return _many(kind, text, slot)
    return _language(text, slot) if kind == "language" else _number(text, slot)


def _slots(pattern: str, statement: str) -> dict[str, dict[str, Any]] | None:
    m = _compiled(pattern).fullmatch(statement)
    if m is None:
        return None
    out = {}
    for name, kind in SLOT.findall(pattern):
        try:
            value, how = resolve(kind, m.group(name), name)
        except LookupError:
            raise Unknown(name, kind, m.group(name)) from None
        out[name] = {"text": m.group(name), "value": value, "how": how, "kind": kind}
    return out


def _fill(node: Any, values: dict[str, Any]) -> Any:
    """A copy of the template's spec with each {slot} filled in."""
    node = copy.deepcopy(node) if isinstance(node, dict | list) else node
    if isinstance(node, dict):
        return {k: _fill(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill(v, values) for v in node]
    if isinstance(node, str):
        whole = re.fullmatch(r"\{(\w+)\}", node)
        if whole and whole.group(1) in values:
            return values[whole.group(1)]
        return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), m.group(0))), node)
    return node


def _values(slots: dict[str, dict[str, Any]]) -> dict[str, Any]:
    out = {}
    for name, s in slots.items():
        out[name], out[f"{name}_text"] = s["value"], s["text"]
        if s["kind"] == "number":
            out[f"{name}_precision"] = printed_precision(WORDS.get(s["text"].lower(), s["text"]))
            out[f"{name}_text"] = s["text"]
        if s["kind"] == "intermediate":
            out[f"{name}_datasets"] = vocabulary()["datasets"].get(s["value"], [s["value"]])
        if s["kind"] == "language":
            import pycountry

            out[f"{name}_name"] = pycountry.languages.get(alpha_2=s["value"]).name
    return out


def normalised(statement: str) -> str:
    return " ".join(statement.split()).strip()


def bind(statement: str) -> Binding | Unbound:
    """The first template that binds the whole statement, or why none does."""
    text, doc = normalised(statement), templates()
    if len(text) > MAX_STATEMENT:
        return Unbound(f"statement longer than {MAX_STATEMENT} characters; not bound")
    ambiguous, unknown = [], []
    for t in doc["templates"]:
        for pattern in t["patterns"]:
            try:
                slots = _slots(pattern, text)
            except Ambiguous as exc:
                ambiguous.append(f"{t['id']}: {exc}")
                continue
            except Unknown as exc:
                unknown.append(f"{t['id']}: {exc}")
                continue
            if slots is not None:
                return _unroutable(slots) or Binding(t["id"], doc["version"], slots, _fill(t["spec"], _values(slots)))
    if ambiguous or unknown:
        return Unbound((ambiguous or unknown)[0])
    return Unbound("no template matched", nearest(text))


def _unroutable(slots: dict[str, dict[str, Any]]) -> Unbound | None:
    """A bound task that no source can serve: the claim cannot run, so it is not bound to a run."""
    for name, s in slots.items():
        tasks = s["value"] if isinstance(s["value"], list) else [s["value"]]
        for task in tasks if s["kind"] in {"intermediate", "intermediates", "target", "targets"} else []:
            if why := vocabulary()["unroutable"].get(task):
                return Unbound(f"slot '{name}' ('{s['text']}') names {task}, which no source serves: {why}")
    return None


def nearest(text: str, n: int = 2) -> list[str]:
    """The templates whose patterns read most like the statement (slots blanked)."""
    scored = []
    for t in templates()["templates"]:
        for p in t["patterns"]:
            plain = SLOT.sub("X", re.sub(r"\(\?:[^()]*\)\??|[\\?]", "", p))
            scored.append((difflib.SequenceMatcher(None, text.lower(), plain.lower()).ratio(), t["id"]))
    best = sorted(scored, reverse=True)
    return list(dict.fromkeys(tid for _, tid in best))[:n]
