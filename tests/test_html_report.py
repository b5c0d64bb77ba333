"""The HTML report: self-contained, escaped, one forest row per claim, as a browser renders it."""

import re

import pytest
import yaml

from audit.output.audit_report import build
from audit.output.render import formatted
from audit.profiles import Profile
from audit.run.verify import verify
from tests import browser
from tests.test_verify import bind


def claim_ids(settings) -> list[str]:
    return sorted(p.stem for p in settings.claims_dir.glob("*/*.yaml"))


def page(settings, **kw) -> str:
    return formatted(build(settings, kw.pop("profile", None)), "html", **kw)


def rows(html: str) -> set[str]:
    return {r for r in re.findall(r'id="forest-row-([^"]+?)"', html) if not r.endswith("-band")}


def test_an_empty_store_still_shows_every_claim_with_its_route(settings):
    html = page(settings)
    assert rows(html) == set(claim_ids(settings))
    assert "NOT_RUN" in html and "not estimable (0 labelled, need 30)" in html


def test_measured_claims_plot_their_interval_and_show_gates_and_seeds(monkeypatch, settings):
    spec = bind(monkeypatch, settings, "squad-gain", "gated")
    verify([spec], Profile.MINI, 3, settings)
    html = page(settings, profile=Profile.MINI)
    assert rows(html) == set(claim_ids(settings))
    section = html.split('id="claim-squad-gain"', 1)[1].split("</section>", 1)[0]
    assert "CONSISTENT (proxy)" in section and "trainability" in section and "seed 2: 13.3" in section
    assert "audit verify --claim squad-gain --profile mini --seeds 3" in section
    assert "git_commit" in section  # provenance of the newest run


def test_only_unverifiable_claims_and_a_missing_interval(monkeypatch, settings):
    verify([bind(monkeypatch, settings, "mnli-size", "missing_data")], Profile.MINI, 1, settings)
    one = bind(monkeypatch, settings, "squad-gain", "per_seed", values=[1.0])
    verify([one], Profile.MINI, 1, settings)  # one seed: a value without an interval
    html = page(settings)
    assert "UNVERIFIABLE" in html and "MNLI train split" in html
    assert rows(html) == set(claim_ids(settings))


def test_titles_and_statements_are_escaped(settings):
    path = next(settings.claims_dir.glob("*/squad-gain.yaml"))
    data = yaml.safe_load(path.read_text())
    data["statement"] = 'SQuAD <script>alert("x")</script> & co.'
    path.write_text(yaml.safe_dump(data))
    html = page(settings, title='<img src=x onerror="alert(1)"> & report')
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; report" in html
    assert html.count("<script>") == 1  # the page's own filter, nothing injected


def test_the_page_is_self_contained_and_small(settings):
    html = page(settings)
    assert not re.search(r'(src|href)="(https?:)?//', html)  # no CDN, no remote fetch
    assert len(html.encode()) < 2_000_000


@pytest.mark.skipif(browser.chromium() is None, reason="chromium is not installed (.ci/run installs it)")
def test_chromium_renders_one_forest_row_per_claim_with_no_console_errors(monkeypatch, settings, tmp_path):
    spec = bind(monkeypatch, settings, "squad-gain", "gated")
    verify([spec], Profile.MINI, 3, settings)
    good = tmp_path / "report.html"
    good.write_text(page(settings, profile=Profile.MINI), encoding="utf-8")
    dom, errors = browser.load(good, screenshot=tmp_path / "report.png")
    assert errors == [] and browser.problems(dom, claim_ids(settings)) == []
    assert (tmp_path / "report.png").stat().st_size > 10_000
    # The check can fail: a page missing one row, and a page whose plot is gone, are both caught.
    broken = good.read_text().replace('id="forest-row-squad-gain"', 'id="something-else"')
    (tmp_path / "missing.html").write_text(broken, encoding="utf-8")
    assert browser.problems(browser.load(tmp_path / "missing.html")[0], claim_ids(settings))
    no_plot = re.sub(r'<div id="forest">.*?</svg>', '<div id="forest">', good.read_text(), flags=re.S)
    (tmp_path / "noplot.html").write_text(no_plot + "<script>undefinedFunction()</script>", encoding="utf-8")
    dom, errors = browser.load(tmp_path / "noplot.html")
    assert browser.problems(dom, claim_ids(settings)) and errors


def test_cli_writes_the_page_and_refuses_an_unwritable_path_in_one_line(settings, tmp_path):
    from typer.testing import CliRunner

    from audit.cli.main import app
    from audit.store import Store

    Store(settings.store).close()  # an empty store: a report of it is every claim NOT_RUN
    where = ["--store", str(settings.store), "--claims-dir", str(settings.claims_dir)]
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, [*where, "report", "--format", "html", "--output", str(out)])
    assert result.exit_code == 0 and out.read_text().startswith("<!DOCTYPE html>")
    (tmp_path / "file").write_text("")
    bad = CliRunner().invoke(app, [*where, "report", "-f", "html", "-o", str(tmp_path / "file" / "x.html")])
    assert bad.exit_code == 2 and "cannot write" in bad.output and "Traceback" not in bad.output
