"""Experiments that reproduce claims, registered by the name claim specs use.

Entries are ``"module:function"`` strings, imported only when a claim is run, so
listing or loading claims never imports torch. An experiment function takes an
``audit.runner.RunContext`` and returns a list of ``audit.records.Measurement``;
it raises ``audit.errors.Unverifiable`` when the data or labels it needs are missing.
A module's ``DEPENDS`` lists further files (data catalogues) whose content versions
its results, alongside its own source.
"""

REGISTRY: dict[str, str] = {
    "dataset-facts": "experiments.dataset_facts:run",
    "benchmark-inventory": "experiments.benchmark:run",
    "xtreme-transfer": "experiments.transfer:run",
    "alignment-stability": "experiments.stability:run",
}

# Figures drawn by ``audit report`` from an experiment's stored sweep (no torch imported).
FIGURES: dict[str, str] = {
    "alignment-stability": "experiments.stability_plot:draw",
}

# Named by specs but not built yet: their claims show NOT_RUN with this reason.
PLANNED: dict[str, str] = {}

# What claim templates' slots resolve against (``audit.binding``): task names and aliases by role.
VOCABULARY = "experiments.vocabulary:vocabulary"
