"""audit.output.figures: a figure lives with its store and is redrawn only when the store or its code changed."""

import os

from audit.output.figures import figure_dir, fresh


def test_figures_belong_to_their_store(tmp_path):
    assert figure_dir(tmp_path / "a.duckdb") != figure_dir(tmp_path / "b.duckdb")


def test_a_figure_is_fresh_only_while_newer_than_the_store_and_its_code(tmp_path):
    store, wal, code, png = (tmp_path / n for n in ("s.duckdb", "s.duckdb.wal", "draw.py", "fig.png"))
    for i, path in enumerate((store, code, png)):
        path.write_text("x")
        os.utime(path, (1000 + i, 1000 + i))
    assert fresh(png, store, str(code))
    wal.write_text("x")  # the store was written since: its log is newer than the figure
    assert not fresh(png, store, str(code))
    wal.unlink()
    os.utime(code, (2000, 2000))  # the drawing code changed
    assert not fresh(png, store, str(code))
    assert not fresh(tmp_path / "missing.png", store, str(code))
