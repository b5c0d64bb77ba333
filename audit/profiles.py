"""Fidelity profiles. A module of its own so the CLI can offer them without pydantic.

- smoke: a tiny random model on a handful of examples; proves the pipeline only.
- mini: a real multilingual encoder offline, real data, small scale; directional evidence.
- full: the paper's setting (xlm-roberta-large, full hub datasets) on GPUs.
"""

from enum import StrEnum


class Profile(StrEnum):
    SMOKE = "smoke"
    MINI = "mini"
    FULL = "full"
