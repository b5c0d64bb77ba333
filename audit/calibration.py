"""How the synthesis's ✓/× and confidence compare with our verdicts.

Only decided verdicts count (SUPPORTED, PARTIAL, REFUTED). The outcome is 1 when the
claim as stated holds (SUPPORTED) and 0 otherwise: a PARTIAL claim is right in
direction but wrong in size, so the statement as written does not hold. The
synthesis's confidence is read as its probability that the claim holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from audit.verdict import DECIDED, Status, Verdict

BINS = [(i / 10, (i + 1) / 10) for i in range(10)]


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    n: int
    mean_confidence: float | None
    observed: float | None


@dataclass(frozen=True)
class Calibration:
    decided: int
    agree: int
    brier: float | None
    bins: list[ReliabilityBin]

    @property
    def agreement(self) -> float | None:
        return self.agree / self.decided if self.decided else None


def outcome(v: Verdict) -> int:
    return int(v.status == Status.SUPPORTED)


def _bin(pairs: list[tuple[float, int]], low: float, high: float) -> ReliabilityBin:
    last = high >= 1.0  # the top bin includes confidence 1.0
    inside = [(p, o) for p, o in pairs if low <= p < high or (last and p == high)]
    if not inside:
        return ReliabilityBin(low, high, 0, None, None)
    n = len(inside)
    return ReliabilityBin(low, high, n, sum(p for p, _ in inside) / n, sum(o for _, o in inside) / n)


def calibrate(verdicts: list[Verdict]) -> Calibration:
    # Only a synthesis's own marks are calibrated; our hypotheses carry none.
    decided = [v for v in verdicts if v.status in DECIDED and v.synthesis_confidence is not None]
    pairs = [(v.synthesis_confidence, outcome(v)) for v in decided]
    agree = sum(int(v.synthesis_verified) == outcome(v) for v in decided)
    brier = sum((p - o) ** 2 for p, o in pairs) / len(pairs) if pairs else None
    return Calibration(len(decided), agree, brier, [_bin(pairs, lo, hi) for lo, hi in BINS])
