"""``audit data``: where each task's splits come from at a profile, as the experiments declare it.

The experiments own the data routing (``experiments/toolkit/tasks.yaml``); this library function
reaches it through the "inventory" catalogue (``audit.registry``), so ``audit``'s core never
imports the experiment package's modules by name.
"""

from __future__ import annotations

from audit.profiles import Profile
from audit.settings import Settings


def inventory(settings: Settings, profile: Profile) -> list[dict]:
    """Per task and split: which languages the data pack serves at ``profile``, and the hub source."""
    from audit.registry import catalogue

    return catalogue("inventory")(settings.data_dir, profile.value)
