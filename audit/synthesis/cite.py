"""``audit cite``: find the passages of a source document that bear on a claim.

A passage is relevant when it names enough of the claim's key terms. It then
*supports* the claim if it prints the claimed number within the printed precision
(thousands separators honoured), *contradicts* it if it prints a number of the same
size that is outside that precision (8.4 against a claimed 8.2), and otherwise merely
*mentions* it. A claim with no number (a design fact) is supported by a passage that
names all of its key terms. Verdicts from documents are labelled ``documented`` and
never count as reproduced.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from audit.judge.verdict import Status, Verdict, decide
from audit.profiles import Profile
from audit.run.records import now
from audit.settings import Settings
from audit.store import Store
from audit.synthesis.documents import read
from audit.synthesis.drafts import STOPWORDS
from audit.synthesis.spec import ClaimSpec, numbers_in

# Words that say nothing about which claim a passage is about.
GENERIC = STOPWORDS | {
    "yields",
    "contains",
    "study",
    "uses",
    "points",
    "point",
    "improvement",
    "improves",
    "task",
    "tasks",
    "training",
    "examples",
    "sourced",
    "from",
    "that",
    "this",
    "all",
    "each",
    "up",
}


@dataclass(frozen=True)
class Finding:
    source: str
    sha256: str
    location: str
    stance: str  # supports | contradicts | mentions
    matched: str
    passage: str


def key_terms(spec: ClaimSpec) -> list[list[str]]:
    """Each key term as its accepted spellings: the spec's ``terms`` param (an entry may
    list alternatives), else the statement's distinctive words."""
    if terms := spec.experiment.params.get("terms"):
        return [[a.casefold() for a in (t if isinstance(t, list) else [t])] for t in terms]
    words = re.findall(r"[A-Za-z][\w+.-]*[\w+]", spec.statement)
    distinct = dict.fromkeys(w.casefold() for w in words if w.casefold() not in GENERIC and len(w) > 2)
    return [[w] for w in distinct]


def relevant(text: str, terms: list[list[str]], need: float) -> list[str]:
    """The spellings found, if enough of the terms (a share ``need``) occur in the text."""
    lowered = text.casefold()
    hits = [next(a for a in alts if a in lowered) for alts in terms if any(a in lowered for a in alts)]
    return hits if terms and len(hits) >= max(1, round(need * len(terms))) else []


def stance(spec: ClaimSpec, text: str) -> tuple[str, str]:
    value, precision = spec.claimed.value, spec.claimed.precision
    numbers = [float(n.replace(",", "")) for n in numbers_in(text)]
    if value is None or spec.claimed.unit == "bool":
        return "supports", ""
    for n in numbers:
        if abs(n - value) <= precision + 1e-9:
            return "supports", f"{n:g}"
    near = [n for n in numbers if value and 0.5 <= n / value <= 1.5]
    return ("contradicts", f"{near[0]:g}") if near else ("mentions", "")


def find(spec: ClaimSpec, path: Path) -> list[Finding]:
    passages, terms = read(path), key_terms(spec)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    bool_claim = spec.claimed.value is None or spec.claimed.unit == "bool"
    found = []
    for p in passages:
        hits = relevant(p.text, terms, need=1.0 if bool_claim else 0.5)
        if hits:
            kind, number = stance(spec, p.text)
            found.append(Finding(str(path), digest, p.location, kind, number or ", ".join(hits), p.text))
    return found


ARXIV = re.compile(r"arXiv[:\s]*(\d{4}\.\d{4,5})(v\d+)?", re.IGNORECASE)
DOI = re.compile(r"\b(10\.\d{4,9}/[-._;()/:A-Za-z0-9]+[A-Za-z0-9])")


def identity(path: Path, sha256: str) -> str:
    """What a reader needs to find the source again: its hash, and an arXiv id, DOI and title where found."""
    passages = read(path)
    head = " ".join(p.text for p in passages[:40])
    parts = [f"sha256 {sha256[:12]}"]
    if m := ARXIV.search(head):
        parts.append(f"arXiv {m.group(1)}{m.group(2) or ''}")
    if m := DOI.search(head):
        parts.append(f"DOI {m.group(1)}")
    if passages:
        title = passages[0].text.strip()
        parts.append(f"'{title[:80]}{'...' if len(title) > 80 else ''}'")
    return ", ".join(parts)


def identities(findings: list[Finding]) -> dict[str, str]:
    """Each cited source's identity (sha256 -> text), read again where the file is still there unchanged."""
    out = {}
    for source, sha in {(f.source, f.sha256) for f in findings}:
        path = Path(source)
        if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == sha:
            out[sha] = identity(path, sha)
    return out


def refuse_own_synthesis(store: Store, spec: ClaimSpec, path: Path) -> None:
    """A claim is never its own evidence: the synthesis that stated it cannot be cited for it."""
    from audit.errors import AuditError
    from audit.synthesis.report_format import clean

    raw = path.read_bytes()
    shas = {hashlib.sha256(raw).hexdigest(), hashlib.sha256(clean(raw.decode("utf-8", "replace")).encode()).hexdigest()}
    stored = {r["sha256"] for r in store.rows("SELECT sha256 FROM report_versions")}
    if path.stem == spec.source.report or shas & stored:
        raise AuditError(
            f"{path} is an ingested synthesis report: a synthesis cannot be the evidence for its own claims; "
            "cite the paper or another primary source"
        )


def documented_verdict(spec: ClaimSpec, findings: list[Finding], names: dict[str, str] | None = None) -> Verdict:
    """One verdict over every cited source, each named by its identity; disagreeing sources are shown, not averaged."""
    names = names or {}
    by = {k: sorted({_named(f, names) for f in findings if f.stance == k}) for k in ("supports", "contradicts")}
    if by["supports"] and by["contradicts"]:
        status, reason = Status.INCONCLUSIVE, "sources disagree"
    elif by["supports"]:
        status, reason = Status.SUPPORTED, "documented"
    elif by["contradicts"]:
        status, reason = Status.REFUTED, "documented"
    else:
        status, reason = Status.INCONCLUSIVE, "no cited passage states the claim"
    detail = "; ".join(f"{k}: {', '.join(v[:3])}" for k, v in by.items() if v)
    # Documents are judged against the claim as stated, never a mini profile's reading.
    base = decide(spec, Profile.FULL, None, reason=f"{reason}: {detail}" if detail else reason)
    return base.model_copy(update={"status": status, "profile": "documented", "route": "documented", "note": ""})


def _named(f: Finding, names: dict[str, str]) -> str:
    return f"{Path(f.source).name} [{names.get(f.sha256) or f'sha256 {f.sha256[:12]}'}] ({f.location})"


def record(store: Store, spec: ClaimSpec, path: Path, findings: list[Finding]) -> None:
    """Replace this source's passages for the claim; other sources' stay."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    store.con.execute("DELETE FROM citations WHERE claim_id = ? AND sha256 = ?", [spec.id, digest])
    for f in findings:
        store.insert("citations", {"claim_id": spec.id, "created_at": now(), **f.__dict__})


def stored_findings(store: Store, claim_id: str) -> list[Finding]:
    rows = store.rows("SELECT * FROM citations WHERE claim_id = ? ORDER BY source, location", [claim_id])
    return [Finding(**{k: r[k] for k in Finding.__dataclass_fields__}) for r in rows]


def cite(settings: Settings, claim_id: str, sources: list[Path]) -> tuple[list[Finding], Verdict]:
    """What ``audit cite`` does: read sources, store passages, judge over all cited sources."""
    from audit.run.verify import save_verdict
    from audit.synthesis.claims import find as find_claim
    from audit.synthesis.claims import load_all

    spec = find_claim(load_all(settings.claims_dir), claim_id)
    found = {path: find(spec, path) for path in sources}  # read all before writing any
    with Store(settings.store) as store:
        for path in sources:
            refuse_own_synthesis(store, spec, path)
        for path, findings in found.items():
            record(store, spec, path, findings)
        every = stored_findings(store, spec.id)
        verdict = documented_verdict(spec, every, identities(every))
        save_verdict(store, verdict)
    return every, verdict
