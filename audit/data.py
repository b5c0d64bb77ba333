"""``audit data``: where each task's splits come from at a profile, as the experiments declare it.

The experiments own the data routing (``experiments/tasks.yaml``); this library function
reaches it through the lazy ``experiments.INVENTORY`` entry, so ``audit``'s core never
imports the experiment package's modules by name.
"""

from __future__ import annotations

from audit.profiles import Profile
from audit.settings import Settings


def inventory(settings: Settings, profile: Profile) -> list[dict]:
    """Per task and split: which languages the data pack serves at ``profile``, and the hub source."""
    import experiments
    from audit.registry import load

    return load(experiments.INVENTORY)(settings.data_dir, profile.value)
