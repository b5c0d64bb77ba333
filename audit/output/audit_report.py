"""``audit report``: every claim with its newest stored verdict, plus calibration."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from audit.judge.calibration import Calibration, calibrate
from audit.judge.verdict import Verdict, adjust, decide, how_to_settle
from audit.profiles import Profile
from audit.settings import Settings
from audit.store import Store
from audit.synthesis.claims import load_all
from audit.synthesis.spec import ClaimSpec


@dataclass(frozen=True)
class Row:
    spec: ClaimSpec
    verdict: Verdict


@dataclass(frozen=True)
class Report:
    rows: list[Row]
    calibration: Calibration
    store: Path
    figures: list[Path] = field(default_factory=list)


def never_verified(spec: ClaimSpec, profile: Profile | None) -> Verdict:
    verdict = decide(spec, profile or Profile.MINI, None, reason=how_to_settle(spec))
    return verdict.model_copy(update={"profile": profile.value if profile else "-", "note": ""})


def from_row(row: dict) -> Verdict:
    data = {k: v for k, v in row.items() if k in Verdict.model_fields and v is not None}
    for key in ("run_ids", "gates"):  # JSON columns
        value = row.get(key)
        data[key] = json.loads(value) if isinstance(value, str) else (value or [])
    data["created_at"] = str(row["created_at"])
    return Verdict.model_validate(data)


def stored_verdicts(store_path: Path, profile: Profile | None) -> dict[str, list[Verdict]]:
    """Newest verdict per claim and route; a claim may have a reproduced and a documented one.

    Holm's correction is applied here, over each profile's newest verdicts (``audit.judge.verdict.adjust``).
    """
    if not store_path.exists():
        return {}
    found: dict[str, list[Verdict]] = {}
    with Store.reader(store_path) as store:
        newest = [from_row(r) for r in store.latest_verdicts(profile)]
        # Each profile's family is its newest verdicts: the rows just read, where they were read for it.
        families = {p: newest if p == profile else newest_family(store, p) for p in {v.profile for v in newest}}
    for v in newest:
        found.setdefault(v.claim_id, []).append(adjust([v], families[v.profile])[0])
    return found


def newest_family(store: Store, profile: str) -> list[Verdict]:
    """The newest stored verdict of every claim at ``profile``: what multiplicity is computed over."""
    return [from_row(r) for r in store.latest_verdicts(profile)]


def newest_provenance(store_path: Path, claim_id: str) -> dict | None:
    """The provenance of a claim's newest stored run, if any."""
    if not store_path.exists():
        return None
    with Store.reader(store_path) as store:
        return store.newest_provenance(claim_id)


def run_details(store_path: Path, verdict: Verdict, spec: ClaimSpec) -> dict:
    """What a claim's section shows beyond its verdict: each seed's headline value and the newest provenance."""
    if not store_path.exists():
        return {"seeds": [], "provenance": None}
    with Store.reader(store_path) as store:
        return {
            "seeds": store.seed_values(verdict.run_ids, spec.metric.name),
            "provenance": store.newest_provenance(spec.id),
        }


def primary(verdicts: list[Verdict]) -> Verdict:
    """The verdict that counts for calibration: measured beats documented."""
    measured = [v for v in verdicts if v.route != "documented"]
    return (measured or verdicts)[0]


def build(settings: Settings, profile: Profile | None = None, figures: bool = True) -> Report:
    """Every claim's newest verdicts and the calibration; ``figures``: also (re)draw the PNGs the report links."""
    specs = load_all(settings.claims_dir)
    stored = stored_verdicts(settings.store, profile)
    per_claim = {cid: stored.get(cid) or [never_verified(s, profile)] for cid, s in specs.items()}
    rows = [Row(specs[cid], v) for cid, vs in per_claim.items() for v in vs]
    from audit.output.figures import draw_all

    cal = calibrate([primary(vs) for vs in per_claim.values()])
    return Report(rows, cal, settings.store, draw_all(settings.store, profile) if figures else [])
