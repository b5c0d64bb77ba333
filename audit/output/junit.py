"""``audit ci --junit FILE``: the reproducibility gate's outcome as JUnit XML.

One ``testcase`` per baseline check, in the form CI test views read (the Jenkins/Surefire
schema: ``testsuites`` > ``testsuite`` > ``testcase`` with at most one of ``failure``,
``error`` or ``skipped``):

- failure: the value moved beyond its tolerance, or the verdict changed;
- error: the experiment could not run, or not for every seed (NOT_RUN, PIPELINE_FAILED, INCOMPLETE);
- skipped: the run is INVALID or UNVERIFIABLE as the baseline expects, so it measured
  nothing about the claim; the reason is the message.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from audit.judge.verdict import Status

NOT_MEASURED = {Status.INVALID, Status.UNVERIFIABLE, Status.NOT_APPLICABLE}
COULD_NOT_RUN = {Status.NOT_RUN, Status.PIPELINE_FAILED, Status.INCOMPLETE}


def _case(outcome) -> ET.Element:
    check, v = outcome.check, outcome.verdict
    case = ET.Element(
        "testcase", name=f"{check.claim} ({check.profile.value}, {check.seeds} seeds)", classname="audit.ci", time="0"
    )
    message = f"{v.status}: {v.reason}"[:2000]
    if v.status in COULD_NOT_RUN:
        ET.SubElement(case, "error", message=message, type=str(v.status)).text = v.reason
    elif not outcome.ok:
        moved = (
            f"baseline {check.value:g} ± {check.tolerance:g} ({check.verdict}); measured "
            f"{'-' if v.mean is None else f'{v.mean:g}'} ({v.status})"
        )
        moved += "".join(_seed_moved(outcome, i) for i in outcome.seeds_moved)
        ET.SubElement(case, "failure", message=moved, type="moved").text = message
    elif v.status in NOT_MEASURED:
        ET.SubElement(case, "skipped", message=message)
    return case


def _seed_moved(outcome, i: int) -> str:
    check, seeds = outcome.check, outcome.seeds
    measured = repr(seeds[i]) if i < len(seeds) else "-"
    return f"; seed {i}: baseline {check.seed_values[i]!r} ± {check.seed_tolerance:g}, measured {measured}"


def junit_xml(outcomes: list) -> str:
    """The outcomes as one JUnit test suite."""
    cases = [_case(o) for o in outcomes]
    count = lambda tag: sum(c.find(tag) is not None for c in cases)  # noqa: E731
    suite = ET.Element(
        "testsuite",
        name="audit ci",
        tests=str(len(cases)),
        failures=str(count("failure")),
        errors=str(count("error")),
        skipped=str(count("skipped")),
        time="0",
    )
    suite.extend(cases)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
