"""Loading claim specs from ``claims/<report-id>/<claim-id>.yaml``.

Each file is parsed with ``audit.safe_yaml`` (safe, with limits) and validated as a ``ClaimSpec``. A bad
file raises ``SpecError`` naming the file, the field and the problem.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from pydantic import ValidationError

from audit import safe_yaml
from audit.errors import AuditError, SpecError, UnknownClaimError, error_field
from audit.synthesis.spec import ClaimSpec


def parse(path: Path):
    try:
        return safe_yaml.load(path)
    except safe_yaml.YamlError as exc:
        raise SpecError(path, "<file>", str(exc)) from None


def load_spec(path: Path, raw=None) -> ClaimSpec:
    """The spec in ``path`` (``raw``: its parsed content, where the caller has it), validated."""
    raw = parse(path) if raw is None else raw
    if not isinstance(raw, dict):
        raise SpecError(path, "<root>", "expected a mapping of spec fields")
    try:
        spec = ClaimSpec.model_validate(raw)
    except ValidationError as exc:
        raise SpecError(path, *error_field(exc)) from None
    if spec.id != path.stem:
        raise SpecError(path, "id", f"'{spec.id}' does not match the file name '{path.stem}'")
    return spec


def spec_paths(claims_dir: Path) -> list[Path]:
    return sorted(claims_dir.glob("*/*.yaml"))


def load_all(claims_dir: Path) -> dict[str, ClaimSpec]:
    """Every spec under ``claims_dir``, keyed by id; duplicate ids and a missing folder are errors."""
    if not Path(claims_dir).is_dir():
        raise AuditError(
            f"no claims folder at {claims_dir}; pass --claims-dir (or set AUDIT_CLAIMS_DIR) to a folder of claim specs"
        )
    from audit.synthesis import parsed_cache

    specs: dict[str, ClaimSpec] = {}
    for path, raw in parsed_cache.load_all(spec_paths(claims_dir), parse).items():
        spec = load_spec(path, raw)
        if spec.id in specs:
            raise SpecError(path, "id", f"'{spec.id}' is already defined in another report")
        specs[spec.id] = spec
    return specs


def find(specs: dict[str, ClaimSpec], claim_id: str) -> ClaimSpec:
    """The spec with this id, or an error listing the closest ids."""
    if claim_id in specs:
        return specs[claim_id]
    raise UnknownClaimError(claim_id, difflib.get_close_matches(claim_id, specs, n=3, cutoff=0.5))
