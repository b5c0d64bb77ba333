"""Experiments that reproduce claims, registered by the name claim specs use.

Each entry is a lazy ``"module:object"`` (``audit.registry``), imported only when a claim
runs, so listing or loading claims never imports torch. An experiment object follows
``audit.contract.Experiment``: a ``name``, a pydantic ``Params`` model (defaults and
per-profile sizing) and ``run(ctx) -> list[Measurement]``, raising ``Unverifiable`` when
the data or labels it needs are missing. A run's code hash covers every ``.py`` and
``.yaml`` in this package and the ``audit`` modules they import (``audit.run.provenance.code_hash``),
the same hash every stage key holds.
"""

from audit.contract import Registry

EXPERIMENTS = Registry(
    "experiment",
    {
        "dataset-facts": "experiments.dataset_facts.experiment:EXPERIMENT",
        "benchmark-inventory": "experiments.benchmark.experiment:EXPERIMENT",
        "xtreme-transfer": "experiments.transfer.experiment:EXPERIMENT",
        "alignment-stability": "experiments.stability.experiment:EXPERIMENT",
    },
)

# Planners of experiments that compute in stages: ``audit plan`` lists their stages, computing none.
PLANS = Registry("planner", {"xtreme-transfer": "experiments.transfer.plan:plan"})

# One stage of a resolved plan, computed from its plan entry alone (what a Ray task runs).
STAGES = Registry("stage", {"xtreme-transfer": "experiments.transfer.stage:compute"})

# Figures drawn by ``audit report`` from an experiment's stored sweep (no torch imported).
FIGURES = Registry("figure", {"alignment-stability": "experiments.stability.plot:draw"})
