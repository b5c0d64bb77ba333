"""Provenance of a run: code revision, packages, interpreter, hardware, data, spec.

Collected once per run and stored beside its measurements, so any number in the
store can be traced to the exact code, data and machine that produced it.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import sys
from functools import cache, lru_cache
from importlib import metadata
from pathlib import Path

from audit.run.records import Provenance
from audit.settings import REPO_ROOT

TRACKED_PACKAGES = (
    "audit", "torch", "transformers", "datasets", "duckdb", "pydantic",
    "typer", "numpy", "scipy", "safetensors",
)  # fmt: skip


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


@cache
def git_state() -> tuple[str | None, bool | None]:
    commit = _git("rev-parse", "HEAD")
    if commit is None:
        return None, None
    return commit, bool(_git("status", "--porcelain", "--untracked-files=no"))


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def gpu_name() -> str | None:
    # Only ask torch if the experiment already imported it: provenance must not pay
    # torch's import cost for runs that never touched it.
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available():
        return None
    return torch.cuda.get_device_name(0)


# CPU features that change which kernels torch runs, and so the bits of a bf16 or fp32 result.
NUMERIC_FLAGS = ("avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "avx512_fp16", "amx_bf16", "amx_tile")


@cache
def cpu() -> tuple[str | None, list[str]]:
    """The CPU model and its numerics-relevant ISA flags, from /proc/cpuinfo (Linux)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or None, []
    fields = dict(line.split(":", 1) for line in text.splitlines()[:64] if ":" in line)
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    flags = set(fields.get("flags", "").split())
    return fields.get("model name") or platform.processor() or None, [f for f in NUMERIC_FLAGS if f in flags]


def hardware() -> dict[str, str | int | list[str] | None]:
    pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    model, flags = cpu()
    return {
        "machine": platform.machine(),
        "processor": model,
        "isa": flags,
        "cpus": os.cpu_count(),
        "memory_bytes": pages * page_size,
        "system": platform.system(),
    }


def file_fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def code_hash(folder: Path) -> str:
    """Hash of everything an experiment package's results depend on in code (``code_files``).

    The one code hash: a run's provenance and every stage key (``experiments.toolkit.stages``)
    use it, so a run is credited with its models, training, task files and the core
    modules (seeding, records, contract) they call.
    """
    digest = hashlib.sha256()
    folder = folder.resolve()
    core = Path(__file__).parents[1]  # the audit package
    for path in code_files(folder):
        # Named inside its own package (experiments/..., audit/...): the same on every machine.
        root = folder.parent if path.is_relative_to(folder) else core.parent
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def code_files(folder: Path) -> list[Path]:
    """Every .py and .yaml of the package, and each module of ``audit`` they import, transitively.

    Found by reading the imports (``ast``), lazy ones inside functions included, so a change
    to ``audit.run.determinism`` re-runs stages while a change to the report's layout does not.
    """
    folder = folder.resolve()
    files = {p for p in folder.rglob("*") if p.suffix in {".py", ".yaml"} and "__pycache__" not in p.parts}
    todo = [p for p in files if p.suffix == ".py"]
    while todo:
        for found in _core_imports(todo.pop()):
            if found not in files:
                files.add(found)
                todo.append(found)
    return sorted(files)


def _core_imports(path: Path) -> frozenset[Path]:
    """The files of the ``audit`` modules one Python file imports (parsed again only when the file changes)."""
    stat = path.stat()
    return _imports_of(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4096)
def _imports_of(path: Path, mtime_ns: int, size: int) -> frozenset[Path]:
    # Keyed by the file's modification time and size: a run that hashes the code again (each pass
    # of the Ray driver, each run in a long process) re-reads the bytes but parses only what changed.
    import ast

    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    core = Path(__file__).parents[1]  # the audit package
    return frozenset(f for n in names if n == "audit" or n.startswith("audit.") for f in [_module_file(core, n)] if f)


def _module_file(core: Path, name: str) -> Path | None:
    base = core.parent.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def data_name(path: Path, data_dir: Path | None) -> str:
    """A data file's name inside the pack (``pack:xnli/...``), never the machine's folders."""
    if data_dir is not None and path.is_relative_to(data_dir):
        return "pack:" + path.relative_to(data_dir).as_posix()
    return "file:" + path.name


def fingerprints(data_files: list[Path], data_dir: Path | None = None) -> dict[str, str]:
    return {data_name(p, data_dir): file_fingerprint(p) for p in data_files}


def collect(spec_hash: str, code_dir: Path, data_files: list[Path]) -> Provenance:
    commit, dirty = git_state()
    return Provenance(
        git_commit=commit,
        git_dirty=dirty,
        packages=package_versions(),
        python=sys.version.split()[0],
        hardware=hardware(),
        gpu=gpu_name(),
        data_fingerprints=fingerprints(data_files),
        spec_hash=spec_hash,
        code_hash=code_hash(code_dir),
    )
