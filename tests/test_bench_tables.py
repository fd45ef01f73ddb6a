"""scripts/bench_tables.py: the tables of docs/benchmarks.md rewritten between their markers
from what benchmarks.results.write put in bench-results/; a marker without a result left as it
is, with a note; a second run changes nothing; bad markers refused in one line."""
from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import results

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "bench_tables.py"

PAGE = """# Benchmarks

Some prose that stays, quoting `<!-- bench:toy -->` inline.

<!-- bench:toy -->
| old | table |
|---|---|
| 1 | 2 |
<!-- /bench:toy -->

More prose, with a | pipe.

<!-- bench:speed -->
| kept | because no result |
|---|---|
| 3 | 4 |
<!-- /bench:speed -->
"""


def _script():
    spec = importlib.util.spec_from_file_location("bench_tables", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, cwd=ROOT)


@pytest.fixture
def page(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(PAGE)
    out = tmp_path / "bench-results"
    results.write("toy", {"w1": 0.0637}, ["data set", "W1"], [["8 Gaussians", 0.0637], ["a | b", "x"]],
                  notes=["One run."], out=out)
    return doc, out


def test_results_write_json_and_markdown(page):
    _, out = page
    record = json.loads((out / "toy.json").read_text())
    assert record["name"] == "toy" and record["data"] == {"w1": 0.0637}
    assert record["table"] == {"header": ["data set", "W1"], "rows": [["8 Gaussians", "0.0637"], ["a | b", "x"]]}
    md = (out / "toy.md").read_text().splitlines()
    assert md[:4] == ["| data set | W1 |", "| --- | --- |", "| 8 Gaussians | 0.0637 |", "| a \\| b | x |"]
    assert md[-1] == "One run."
    with pytest.raises(ValueError):
        results.write("../toy", {}, ["a"], [["1"]], out=out)
    with pytest.raises(ValueError):
        results.write("toy", {}, ["a", "b"], [["1"]], out=out)


def test_markers_replaced_and_the_rest_kept(page):
    doc, out = page
    done = _run("--doc", doc, "--results", out)
    assert done.returncode == 0, done.stderr
    text = doc.read_text()
    block = re.search(r"<!-- bench:toy -->\n(.*?)<!-- /bench:toy -->", text, re.S).group(1)
    assert block == (out / "toy.md").read_text().strip("\n") + "\n"
    assert "| old | table |" not in text
    # outside the markers, byte for byte the same
    assert text.replace(block, "") == PAGE.replace("| old | table |\n|---|---|\n| 1 | 2 |\n", "")
    assert "1 table(s)" in done.stdout and "toy" in done.stdout


def test_missing_result_left_as_is_with_a_note(page):
    doc, out = page
    done = _run("--doc", doc, "--results", out)
    assert "| kept | because no result |\n|---|---|\n| 3 | 4 |\n<!-- /bench:speed -->" in doc.read_text()
    notes = [line for line in done.stderr.splitlines() if "speed" in line]
    assert len(notes) == 1 and "note" in notes[0] and "left as it" in notes[0] and "speed.md" in notes[0]


def test_idempotent_and_check(page):
    doc, out = page
    assert _run("--doc", doc, "--results", out, "--check").returncode == 1  # the old table differs
    _run("--doc", doc, "--results", out)
    once = doc.read_text()
    assert _run("--doc", doc, "--results", out, "--check").returncode == 0
    _run("--doc", doc, "--results", out)
    assert doc.read_text() == once
    # a new result replaces the table written by the first
    results.write("toy", {}, ["data set", "W1"], [["8 Gaussians", "0.05"]], out=out)
    _run("--doc", doc, "--results", out)
    assert "| 8 Gaussians | 0.05 |" in doc.read_text() and "0.0637" not in doc.read_text()


@pytest.mark.parametrize("bad, words", [
    ("<!-- bench:toy -->\n| a |\n", ["bench:toy", "no <!-- /bench:toy -->"]),
    ("| a |\n<!-- /bench:toy -->\n", ["/bench:toy", "no <!-- bench:toy -->"]),
    ("<!-- bench:a -->\n<!-- /bench:a -->\n<!-- bench:a -->\n<!-- /bench:a -->\n", ["marked twice"]),
])
def test_bad_markers_are_one_line(tmp_path, bad, words):
    doc = tmp_path / "b.md"
    doc.write_text(bad)
    done = _run("--doc", doc, "--results", tmp_path)
    assert done.returncode == 2
    err = done.stderr.strip().splitlines()
    assert len(err) == 1 and all(w in err[0] for w in words), err
    assert doc.read_text() == bad


def test_every_marker_of_the_pages_is_a_result_a_benchmark_writes():
    """Each table marked in docs/benchmarks.md and README.md names a result some benchmark writes."""
    script = _script()
    names = script.check_markers((ROOT / "docs" / "benchmarks.md").read_text())
    assert names, "docs/benchmarks.md marks no table"
    names += script.check_markers((ROOT / "README.md").read_text())
    sources = "\n".join(p.read_text() for p in (ROOT / "benchmarks").glob("*.py"))
    written = set(re.findall(r"""results\.write\(\s*f?["']([A-Za-z0-9_-]+)""", sources))
    # a name given as f"data-efficiency{budget}" writes data-efficiency-20000steps too
    unknown = [n for n in names if not any(n == w or n.startswith(w + "-") for w in written)]
    assert not unknown, unknown
