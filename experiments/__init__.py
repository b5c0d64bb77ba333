"""Experiments that reproduce claims, registered by the name claim specs use.

Entries are ``"module:function"`` strings, imported only when a claim is run, so
listing or loading claims never imports torch. An experiment function takes an
``audit.runner.RunContext`` and returns a list of ``audit.records.Measurement``;
it raises ``audit.errors.Unverifiable`` when the data or labels it needs are missing.
A run's code hash covers every ``.py`` and ``.yaml`` in this package (``audit.provenance.code_hash``),
the same hash every stage key holds.
"""

REGISTRY: dict[str, str] = {
    "dataset-facts": "experiments.dataset_facts:run",
    "benchmark-inventory": "experiments.benchmark:run",
    "xtreme-transfer": "experiments.transfer:run",
    "alignment-stability": "experiments.stability:run",
}

# Planners of experiments that compute in stages: ``audit plan`` lists their stages, computing none.
PLANS: dict[str, str] = {
    "xtreme-transfer": "experiments.plan:plan",
}

# Figures drawn by ``audit report`` from an experiment's stored sweep (no torch imported).
FIGURES: dict[str, str] = {
    "alignment-stability": "experiments.stability_plot:draw",
}

# What claim templates' slots resolve against (``audit.binding``): task names and aliases by role.
VOCABULARY = "experiments.vocabulary:vocabulary"
