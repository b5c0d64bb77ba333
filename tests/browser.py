"""Load a page in headless Chromium (Debian's ``chromium``) and read back what a person would see."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"]
# Console messages and uncaught errors that Chromium logs for the page itself (not its own dbus noise).
PAGE_ERROR = re.compile(r"(Uncaught|CONSOLE\(\d+\)|SyntaxError|TypeError|ReferenceError)")


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def load(page: Path, screenshot: Path | None = None) -> tuple[str, list[str]]:
    """The DOM after the page's scripts ran, and the page's console errors."""
    binary = chromium()
    dom = subprocess.run([binary, *FLAGS, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    if screenshot is not None:
        subprocess.run(
            [binary, *FLAGS, "--window-size=1200,2400", f"--screenshot={screenshot}", page.as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    errors = [line for line in dom.stderr.splitlines() if PAGE_ERROR.search(line)]
    return dom.stdout, errors


def problems(dom: str, claims: list[str]) -> list[str]:
    """What is wrong with a rendered report: a missing plot, a missing or extra forest row, a missing section."""
    found = []
    if "<svg" not in dom.split('id="forest"', 1)[-1][:200]:
        found.append("the forest plot is not an inline SVG")
    rows = set(re.findall(r'id="forest-row-([^"]+?)"', dom)) - {c + "-band" for c in claims}
    if rows != set(claims):
        found.append(f"forest rows {sorted(rows ^ set(claims))} do not match the claims")
    found += [f"no section for {c}" for c in claims if f'id="claim-{c}"' not in dom]
    return found
