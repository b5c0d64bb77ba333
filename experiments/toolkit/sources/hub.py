"""Hugging Face hub datasets, or a local mirror with the hub's layout and schema.

A mirror (``AUDIT_HUB_MIRROR``) holds ``<owner>__<name>/<config>/<split>.jsonl`` files
and the dataset card as ``<owner>__<name>/README.md``. Users behind firewalls copy hub
data there; tests build small mirrors in the hub's schema so the real code runs. A repo
absent from the mirror goes to the hub, unless ``HF_HUB_OFFLINE=1``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from audit.contract import Unverifiable


@dataclass(frozen=True)
class Hub:
    mirror: Path | None
    offline: bool

    @classmethod
    def from_env(cls) -> Hub:
        mirror = os.environ.get("AUDIT_HUB_MIRROR")
        offline = os.environ.get("HF_HUB_OFFLINE", "0").lower() in {"1", "true", "yes"}
        return cls(Path(mirror) if mirror else None, offline)

    def _local(self, repo: str) -> Path | None:
        if self.mirror is None:
            return None
        folder = self.mirror / repo.replace("/", "__")
        return folder if folder.is_dir() else None

    def _online(self, what: str) -> None:
        if self.offline:
            raise Unverifiable(f"{what} needs the Hugging Face hub, and HF_HUB_OFFLINE=1 (no mirror has it)")

    def configs(self, repo: str) -> list[str]:
        if local := self._local(repo):
            return sorted(p.name for p in local.iterdir() if p.is_dir())
        self._online(f"the config list of {repo}")
        import datasets

        return _guard(lambda: datasets.get_dataset_config_names(repo), repo)

    def splits(self, repo: str, config: str) -> list[str]:
        if local := self._local(repo):
            return sorted(p.stem for p in (local / config).glob("*.jsonl"))
        self._online(f"the split list of {repo} {config}")
        import datasets

        return _guard(lambda: datasets.get_dataset_split_names(repo, config), repo)

    def serves(self, repo: str) -> bool:
        """Whether this repo can be read from here at all: a mirror holds it, or the hub is online."""
        return self._local(repo) is not None or not self.offline

    def reachable(self, repo: str, config: str, split: str) -> str | None:
        """Why a split cannot be read from here (None: it can, or the hub will be asked), without reading it."""
        if local := self._local(repo):
            path = local / config / f"{split}.jsonl"
            return None if path.is_file() else f"{repo} {config}/{split} is not in the hub mirror ({path})"
        if self.offline:
            return f"{repo} {config}/{split} needs the Hugging Face hub, and HF_HUB_OFFLINE=1 (no mirror has it)"
        return None

    def load(self, repo: str, config: str, split: str):
        """A ``datasets.Dataset`` of one split, from the mirror or the hub."""
        import datasets

        if why := self.reachable(repo, config, split):
            raise Unverifiable(why)
        if local := self._local(repo):
            # A mirror folder may declare the hub's features (features.json): ClassLabel columns
            # then come back as the hub gives them, integers with their names beside them.
            declared = local / config / "features.json"
            features = datasets.Features.from_dict(json.loads(declared.read_text())) if declared.is_file() else None
            data = str(local / config / f"{split}.jsonl")
            return datasets.load_dataset("json", data_files=data, split="train", features=features)
        return _guard(lambda: datasets.load_dataset(repo, config, split=split), repo)

    def card(self, repo: str) -> str:
        """The dataset card's text (its README)."""
        if local := self._local(repo):
            card = local / "README.md"
            return card.read_text(encoding="utf-8") if card.is_file() else ""
        self._online(f"the dataset card of {repo}")
        from huggingface_hub import DatasetCard

        return _guard(lambda: DatasetCard.load(repo).text, repo)


def _guard(call, repo: str):
    # Network and hub errors are an unavailable source, not a crash of the audit. datasets >= 4
    # raises RuntimeError for a hub copy that still needs a loading script (CosmosQA's may).
    try:
        return call()
    except (OSError, ConnectionError, ValueError, RuntimeError) as exc:
        raise Unverifiable(f"{repo} could not be read from the hub: {str(exc).splitlines()[0]}") from None
