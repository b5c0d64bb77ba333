"""How the synthesis's ✓/× and confidence compare with verdicts about the claims themselves.

What counts: only verdicts that speak for the claim as stated (fidelity "claim": full
fidelity reproductions, dataset facts, documented evidence) and decided it (SUPPORTED,
PARTIAL, REFUTED). A proxy verdict (mini) never counts: it is about a stand-in model. The
outcome is 1 when the claim as stated holds (SUPPORTED) and 0 otherwise: a PARTIAL claim
is right in direction but wrong in size, so the statement as written does not hold.

What the confidence is taken to mean: the synthesizer's probability that the claim, as
stated, holds. Its ✓/× is compared with the outcome as a yes/no call.

Scores are estimable only from ``MIN_LABELLED`` labelled claims on; below that the
report prints "not estimable". When estimable: the Brier score with Murphy's
decomposition (reliability - resolution + uncertainty, over ten confidence bins; the
identity is exact when every forecast in a bin is the same), log loss, and the same scores
for two reference forecasters: the base rate (always the observed share) and "always ✓"
(confidence 1 for every claim; its log loss is infinite as soon as one claim fails); the ✓/×
agreement with its Wilson 95% interval; and the confidence's discrimination, the ROC AUC (the
chance that a claim that holds got a higher confidence than one that does not; 0.5 is none).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from audit.judge.verdict import DECIDED, Status, Verdict

BINS = [(i / 10, (i + 1) / 10) for i in range(10)]
MIN_LABELLED = 30
EPS = 1e-6  # log loss of a confidence of exactly 0 or 1 is clipped here, as scikit-learn does


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    n: int
    mean_confidence: float | None
    observed: float | None


@dataclass(frozen=True)
class Scores:
    brier: float
    log_loss: float


@dataclass(frozen=True)
class Calibration:
    decided: int
    agree: int
    bins: list[ReliabilityBin]
    need: int = MIN_LABELLED
    synthesis: Scores | None = None
    base_rate: Scores | None = None
    always_yes: Scores | None = None
    reliability: float | None = None
    resolution: float | None = None
    uncertainty: float | None = None
    agreement_ci: tuple[float, float] | None = None  # Wilson 95% interval of the ✓/× agreement
    auc: float | None = None  # the confidence's discrimination: P(conf of a holding claim > one that fails)

    @property
    def estimable(self) -> bool:
        return self.decided >= self.need

    @property
    def brier(self) -> float | None:
        return self.synthesis.brier if self.synthesis else None

    @property
    def agreement(self) -> float | None:
        return self.agree / self.decided if self.decided else None

    @property
    def status_line(self) -> str:
        if not self.estimable:
            return f"not estimable ({self.decided} labelled, need {self.need})"
        s, b, a = self.synthesis, self.base_rate, self.always_yes
        lo, hi = self.agreement_ci
        return (
            f"Brier {s.brier:.3f} (base rate {b.brier:.3f}, always ✓ {a.brier:.3f}); log loss {s.log_loss:.3f} "
            f"(base rate {b.log_loss:.3f}, always ✓ {_num(a.log_loss)}); ✓/× agreement {self.agreement:.2f} "
            f"[{lo:.2f}, {hi:.2f}]; AUC {'-' if self.auc is None else f'{self.auc:.2f}'}"
        )


def _num(x: float) -> str:
    return "∞" if math.isinf(x) else f"{x:.3f}"


def outcome(v: Verdict) -> int:
    return int(v.status == Status.SUPPORTED)


def labelled(verdicts: list[Verdict]) -> list[Verdict]:
    """Verdicts about the claim itself, decided, with a synthesis confidence to score."""
    return [v for v in verdicts if v.status in DECIDED and v.fidelity == "claim" and v.synthesis_confidence is not None]


def _bin(pairs: list[tuple[float, int]], low: float, high: float) -> ReliabilityBin:
    last = high >= 1.0  # the top bin includes confidence 1.0
    inside = [(p, o) for p, o in pairs if low <= p < high or (last and p == high)]
    if not inside:
        return ReliabilityBin(low, high, 0, None, None)
    n = len(inside)
    return ReliabilityBin(low, high, n, sum(p for p, _ in inside) / n, sum(o for _, o in inside) / n)


def scores(pairs: list[tuple[float, int]]) -> Scores:
    def loss(p: float, o: int) -> float:
        p = min(max(p, EPS), 1 - EPS) if 0 < p < 1 else p
        q = p if o else 1 - p
        return math.inf if q <= 0 else -math.log(q)

    n = len(pairs)
    return Scores(sum((p - o) ** 2 for p, o in pairs) / n, sum(loss(p, o) for p, o in pairs) / n)


def wilson(k: int, n: int) -> tuple[float, float]:
    """The Wilson 95% interval of a proportion k / n (statsmodels)."""
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    return float(low), float(high)


def auc(pairs: list[tuple[float, int]]) -> float | None:
    """The area under the ROC curve of confidence against outcome (ties count half); None with one class."""
    held = [p for p, o in pairs if o]
    failed = [p for p, o in pairs if not o]
    if not held or not failed:
        return None
    wins = sum((h > f) + 0.5 * (h == f) for h in held for f in failed)
    return wins / (len(held) * len(failed))


def calibrate(verdicts: list[Verdict], need: int = MIN_LABELLED) -> Calibration:
    decided = labelled(verdicts)
    pairs = [(v.synthesis_confidence, outcome(v)) for v in decided]
    agree = sum(int(v.synthesis_verified) == outcome(v) for v in decided)
    bins = [_bin(pairs, lo, hi) for lo, hi in BINS]
    if len(pairs) < need:
        return Calibration(len(decided), agree, bins, need)
    n, rate = len(pairs), sum(o for _, o in pairs) / len(pairs)
    filled = [b for b in bins if b.n]
    return Calibration(
        len(decided),
        agree,
        bins,
        need,
        synthesis=scores(pairs),
        base_rate=scores([(rate, o) for _, o in pairs]),
        always_yes=scores([(1.0, o) for _, o in pairs]),
        reliability=sum(b.n * (b.mean_confidence - b.observed) ** 2 for b in filled) / n,
        resolution=sum(b.n * (b.observed - rate) ** 2 for b in filled) / n,
        uncertainty=rate * (1 - rate),
        agreement_ci=wilson(agree, n),
        auc=auc(pairs),
    )
