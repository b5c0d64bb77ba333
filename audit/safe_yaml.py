"""YAML from users (claim specs, CI baselines), read with limits.

``yaml.safe_load`` refuses code, but not size: an alias bomb expands to 10^9 nodes, a
1,000-deep nesting overflows the stack, and a directory or broken symlink named
``*.yaml`` raises from ``read_text``. Every such input becomes one ``YamlError`` line.
Anchors and aliases are allowed, but the tree they expand to is bounded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 1 << 20  # a claim spec is a few KiB; a MiB is already not a spec
MAX_DEPTH = 32
MAX_NODES = 100_000  # counted with every alias expanded: what a consumer would walk


class YamlError(ValueError):
    """A file that is not bounded, plain YAML; the message is one line with its place."""


class _Loader(yaml.SafeLoader):
    """SafeLoader with bounded nesting while composing, and a bounded tree once aliases are expanded.

    Composition shares an aliased node, so a bomb is small until something walks it
    (validation, hashing, JSON); its expanded size and depth are measured here first.
    """

    def compose_node(self, parent, index):
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlError(f"line {mark.line + 1}: nested deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self):
        node = super().compose_document()
        _bounded(node)
        return node


def _bounded(node) -> None:
    size, depth = _plain_tree(node) or _expanded(node, {}, set())
    if size > MAX_NODES or depth > MAX_DEPTH:
        shown = f"more than {MAX_NODES:,}" if size > MAX_NODES else f"{size:,}"
        raise YamlError(
            f"expands to {shown} nodes, {depth} deep (aliases included); "
            f"the limit is {MAX_NODES:,} nodes, {MAX_DEPTH} deep"
        )


# libyaml parses a spec about 10x faster than the pure-Python loader (the cold start of
# ``audit claims`` is mostly its 28 specs), but composes nested nodes recursively in C, where
# a 1 MiB file of '[' would overflow the stack. So it takes only text that cannot nest deeper
# than a few hundred levels (few flow brackets, shallow indentation); its tree then gets the same
# bounds; anything else goes through the pure-Python loader, whose depth is checked as it goes.
FAST_NESTING = 500


def _fast_ok(text: str) -> bool:
    if not yaml.__with_libyaml__ or text.count("[") + text.count("{") > FAST_NESTING:
        return False
    return max((len(line) - len(line.lstrip(" ")) for line in text.split("\n")), default=0) <= FAST_NESTING


def _fast(text: str) -> Any:
    loader = yaml.CSafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _bounded(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _plain_tree(node) -> tuple[int, int] | None:
    """(nodes, depth) of a tree without aliases, walked without recursion; None where a node is shared."""
    seen, stack, size, depth = set(), [(node, 1)], 0, 0
    while stack:
        item, level = stack.pop()
        if id(item) in seen:
            return None  # an alias: the memoised walk counts its expansion
        seen.add(id(item))
        size, depth = size + 1, max(depth, level)
        if size > MAX_NODES or depth > MAX_DEPTH:
            return size, depth
        stack.extend((child, level + 1) for child in _children(item))
    return size, depth


def _children(node) -> list:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return node.value if isinstance(node, yaml.SequenceNode) else []


def _expanded(node, memo: dict, open_: set) -> tuple[int, int]:
    """(nodes, depth) of the tree with aliases expanded; linear in distinct nodes, saturating."""
    if id(node) in memo:
        return memo[id(node)]
    if id(node) in open_:
        raise YamlError(f"line {node.start_mark.line + 1}: a recursive alias (a value that contains itself)")
    open_.add(id(node))
    parts = [_expanded(child, memo, open_) for child in _children(node)]
    open_.discard(id(node))
    memo[id(node)] = (min(MAX_NODES + 1, 1 + sum(n for n, _ in parts)), 1 + max((d for _, d in parts), default=0))
    return memo[id(node)]


def read_text(path: Path) -> str:
    """The file's text, refused (one line) if it is not a regular UTF-8 file of bounded size."""
    if not path.is_file():
        what = "a broken symlink" if path.is_symlink() else "a directory" if path.is_dir() else "missing"
        raise YamlError(f"{what}, not a YAML file")
    if path.stat().st_size > MAX_BYTES:
        raise YamlError(f"{path.stat().st_size:,} bytes; larger than the {MAX_BYTES:,} allowed")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise YamlError(f"cannot be read ({exc.strerror})") from None


def loads(text: str) -> Any:
    """Parse one YAML document with the limits above."""
    if len(text) > MAX_BYTES:
        raise YamlError(f"{len(text):,} characters; larger than the {MAX_BYTES:,} allowed")
    try:
        return _fast(text) if _fast_ok(text) else yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader
    except YamlError:
        raise  # already one line with its place
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlError(f"{where}not valid YAML ({problem})") from None
    except (RecursionError, ValueError, TypeError, OverflowError) as exc:
        raise YamlError(f"not valid YAML ({type(exc).__name__}: {str(exc)[:120]})") from None


def load(path: Path) -> Any:
    """A user's YAML file, bounded; raises ``YamlError`` with a one-line reason."""
    return loads(read_text(Path(path)))
