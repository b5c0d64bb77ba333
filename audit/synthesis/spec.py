"""The claim spec: one claim from a report, what it states and how we reproduce it.

Specs are data (``claims/<report-id>/<claim-id>.yaml``), validated by these pydantic
models. ``SCHEMA_VERSION`` is bumped on any breaking change to the fields, as
lm-evaluation-harness bumps a task's version.
"""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from audit.errors import error_field
from audit.profiles import Profile

SCHEMA_VERSION = 1
SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_WORDS = "zero one two three four five six seven eight nine ten eleven twelve"
WORDS = {w: str(i) for i, w in enumerate(_WORDS.split())}
NUMBER = re.compile(
    r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.,])\d+(?:\.\d+)?"
    rf"|\b(?:{'|'.join(WORDS)})\b",
    re.IGNORECASE,
)


class Kind(StrEnum):
    QUANTITATIVE = "quantitative"
    DIRECTIONAL = "directional"
    DATASET_FACT = "dataset-fact"
    DESIGN = "design"


class Comparison(StrEnum):
    APPROX = "approx"
    AT_LEAST = "at-least"
    AT_MOST = "at-most"
    POSITIVE = "positive"
    NEGATIVE = "negative"
    NO_EFFECT = "no-effect"


class _Strict(BaseModel):
    # A typo in a spec key must be an error, not a silently ignored field.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    report: str
    # Optional so that drafts of a report that names no paper still validate.
    arxiv: str | None = Field(default=None, pattern=r"^\d{4}\.\d{4,5}$")
    version: str | None = Field(default=None, pattern=r"^v\d+$")


class Synthesis(_Strict):
    verified: bool
    confidence: float = Field(ge=0.0, le=1.0)


class Claimed(_Strict):
    value: float | None = None
    unit: str | None = None
    precision: float = Field(default=0.0, ge=0.0)
    comparison: Comparison
    margin: float = Field(default=0.0, ge=0.0)
    # The smallest effect worth detecting (same unit); a design that cannot see it is UNDERPOWERED.
    smallest_effect: float | None = Field(default=None, gt=0.0)

    @model_validator(mode="after")
    def _value_when_needed(self) -> Claimed:
        needs = {Comparison.APPROX, Comparison.AT_LEAST, Comparison.AT_MOST}
        if self.comparison in needs and self.value is None:
            raise ValueError(f"comparison '{self.comparison}' needs a value")
        return self

    @property
    def tolerance(self) -> float:
        return self.precision + self.margin


class Metric(_Strict):
    name: str
    description: str
    split: str
    aggregate: str
    baseline: str | None = None
    deterministic: bool = False


class ProfileOverride(_Strict):
    params: dict[str, Any] = Field(default_factory=dict)
    claimed: dict[str, Any] = Field(default_factory=dict)
    note: str = ""


class Experiment(_Strict):
    name: str = Field(pattern=SLUG)
    params: dict[str, Any] = Field(default_factory=dict)
    profiles: dict[Profile, ProfileOverride] = Field(default_factory=dict)


class Evidence(_Strict):
    note: str
    location: str


class SlotBinding(_Strict):
    text: str  # as the statement printed it
    value: Any  # what it resolved to
    how: str  # which vocabulary resolved it


class BindingRecord(_Strict):
    """Which claim template bound a drafted spec, and how each slot resolved."""

    template: str
    version: int
    slots: dict[str, SlotBinding] = Field(default_factory=dict)


class ClaimSpec(_Strict):
    schema_version: Literal[1] = SCHEMA_VERSION
    id: str = Field(pattern=SLUG)
    # curated: written or reviewed by a person; drafted: bound by a claim template on ingest;
    # draft: no template bound it (its evidence says why), so it has no experiment yet.
    status: Literal["curated", "drafted", "draft"] = "curated"
    statement: str = Field(min_length=1)
    source: Source
    # None for our own hypotheses (a research question's claims): nothing to calibrate.
    synthesis: Synthesis | None = None
    kind: Kind
    claimed: Claimed
    metric: Metric
    experiment: Experiment
    evidence: list[Evidence] = Field(default_factory=list)
    binding: BindingRecord | None = None

    @model_validator(mode="after")
    def _profile_claims_merge(self) -> ClaimSpec:
        """A profile's ``claimed`` override must make a valid claim, checked on load, not first at verify."""
        for profile in self.experiment.profiles:
            try:
                self.claimed_for(profile)
            except ValidationError as exc:
                where, problem = error_field(exc)
                raise ValueError(f"experiment.profiles.{profile.value}.claimed.{where}: {problem}") from None
        return self

    def params_for(self, profile: Profile) -> dict[str, Any]:
        """The experiment params with the profile's overrides laid on top."""
        override = self.experiment.profiles.get(profile, ProfileOverride())
        return {**self.experiment.params, **override.params}

    def claimed_for(self, profile: Profile) -> Claimed:
        """What a run at this profile is judged against (mini may judge direction only)."""
        override = self.experiment.profiles.get(profile, ProfileOverride())
        if not override.claimed:
            return self.claimed
        # Validate the merge: model_copy(update=...) would skip validation and keep raw strings.
        return Claimed.model_validate({**self.claimed.model_dump(), **override.claimed})

    def note_for(self, profile: Profile) -> str:
        return self.experiment.profiles.get(profile, ProfileOverride()).note

    def with_params(self, profile: Profile, params: dict[str, Any]) -> ClaimSpec:
        """This spec with ``params`` laid over its params at ``profile`` (``--param``, a CI-sized run)."""
        if not params:
            return self
        data = self.model_dump(mode="json")
        override = data["experiment"]["profiles"].setdefault(profile.value, {"params": {}, "claimed": {}, "note": ""})
        override["params"] = {**override["params"], **params}
        return ClaimSpec.model_validate(data)

    def content_hash(self) -> str:
        """A stable hash of the spec's content, independent of YAML layout."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()


def printed_precision(number: str) -> float:
    """Half a unit of the last printed digit: '8.2' -> 0.05, '1,104,934' -> 0.5."""
    exponent = Decimal(number.replace(",", "")).as_tuple().exponent
    return float(Decimal(5) * Decimal(10) ** (exponent - 1))


def numbers_in(text: str) -> list[str]:
    """The numbers as printed in a statement, thousands separators kept, 'nine' as '9'."""
    return [WORDS.get(n.lower(), n) for n in NUMBER.findall(text)]
