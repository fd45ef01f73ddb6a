"""`wgan compare` on tiny runs made in process: the table's numbers against metrics.jsonl read
here, seed groups against numpy, the paired count on a hand-made case, the differing settings
as columns, the page's numbers read back from its HTML, and bad input as one line."""
import base64
import csv
import html.parser
import json
import math
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from wgan.cli import main
from wgan.compare import Group, RunSummary, group_runs, paired, read_runs

TINY = ["train.steps=4", "train.batch_size=16", "eval.every=2", "eval.samples=64", "eval.log_every=1",
        "eval.checkpoint_every=2", "eval.tensorboard='off'", "eval.figures=false", "train.threads=1",
        "model.generator_width=8", "model.critic_width=8", "model.generator_depth=1", "model.critic_depth=1"]
OBJECTIVES = ("wasserstein", "gan")
SEEDS = (1, 2)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """2 objectives x 2 seeds of 4 steps each: {(objective, seed): run directory}."""
    root = tmp_path_factory.mktemp("runs")
    made = {}
    for objective in OBJECTIVES:
        for seed in SEEDS:
            out = root / f"{objective}-{seed}"
            sets = [a for kv in TINY for a in ("--set", kv)]
            assert main(["-q", "train", "--out", str(out), "--no-progress", "--objective", objective,
                         "--seed", str(seed), *sets]) == 0
            made[objective, seed] = out
    return made


def _metrics(run):
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def _expected(run):
    """The table's numbers, read here from metrics.jsonl."""
    records = _metrics(run)
    evals = [r for r in records if "w1" in r]
    return {"final_w1": evals[-1]["w1_mean"], "best_w1": min(r["w1"] for r in evals),
            "floor": evals[-1]["w1_floor_mean"], "steps": records[-1]["step"], "wall_s": records[-1]["wall_s"],
            "steps_per_s": records[-1]["step"] / records[-1]["wall_s"], "modes": evals[-1]["modes_mean"],
            "high_quality": evals[-1]["high_quality_mean"]}


def _compare(runs, tmp_path, *extra):
    out = tmp_path / "cmp"
    assert main(["compare", *map(str, runs.values()), "--out", str(out), *extra]) == 0
    return out


def test_table_numbers_are_those_of_metrics_jsonl(runs, tmp_path, capsys):
    out = _compare(runs, tmp_path)
    with open(out / "compare.csv", newline="") as f:
        rows = {row["run"]: row for row in csv.DictReader(f)}
    assert set(rows) == {p.name for p in runs.values()}
    for run in runs.values():
        for key, value in _expected(run).items():
            assert float(rows[run.name][key]) == pytest.approx(value, rel=1e-12), (run.name, key)
    for name in ("compare.md", "compare.csv", "compare.png", "compare.html"):
        assert (out / name).stat().st_size > 0
    assert "## Runs" in capsys.readouterr().out


def test_differing_settings_are_the_columns(runs, tmp_path):
    """The columns are the settings whose values differ between the config.toml files, a key
    missing from a snapshot (a setting that does not act there) differing from any value."""
    def flat(data, prefix=""):
        out = {}
        for k, v in data.items():
            out.update(flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {prefix + k: repr(v)})
        return out

    configs = [flat(tomllib.loads((p / "config.toml").read_text())) for p in runs.values()]
    keys = {k for c in configs for k in c} - {"name", "description"}
    differing = {k for k in keys if len({c.get(k) for c in configs}) > 1}
    assert {"objective.name", "train.seed"} <= differing
    out = _compare(runs, tmp_path)
    header = next(csv.reader(open(out / "compare.csv", newline="")))
    assert [h for h in header if "." in h] == [h for h in header if h in differing]
    assert set(h for h in header if "." in h) == differing
    assert "train.steps" not in header


def test_seed_groups_are_mean_and_sd_of_numpy(runs, tmp_path):
    summaries = read_runs(list(runs.values()))
    groups = group_runs(summaries, "seed")
    assert sorted(g.label for g in groups) == sorted(f"objective={o}" for o in OBJECTIVES)
    for group in groups:
        objective = group.label.split("=")[1]
        values = np.array([_expected(runs[objective, s])["final_w1"] for s in SEEDS])
        mean, sd, n = group.stats("final_w1")
        assert n == len(SEEDS)
        assert mean == pytest.approx(np.mean(values), rel=1e-12)
        assert sd == pytest.approx(np.std(values, ddof=1), rel=1e-12)
    # the same numbers in compare.md, and the paired sentence says n
    out = _compare(runs, tmp_path, "--by", "seed")
    md = (out / "compare.md").read_text()
    assert "## Groups" in md and "n = 2" in md and "seeds" in md
    w1 = {o: [_expected(runs[o, s])["final_w1"] for s in SEEDS] for o in OBJECTIVES}
    first, second = sorted(OBJECTIVES, key=lambda o: np.mean(w1[o]))  # the lower mean is named first
    wins = sum(x < y for x, y in zip(w1[first], w1[second]))
    assert f"objective={first} vs objective={second}: final W1 lower on {wins}/2 seeds" in md


def _hand_run(objective, seed, w1, **more):
    return RunSummary(path=Path(f"{objective}-{seed}"), label=f"{objective}-{seed}",
                      settings={"objective.name": objective, "train.seed": seed, **more}, records=[], final_w1=w1,
                      best_w1=w1, best_step=0, floor=0.1, steps=10, wall_s=1.0)


def test_paired_count_on_a_hand_made_case():
    """Seeds 1-5 in both groups, seed 6 in one only: a is lower on seeds 1, 3, 4, 5 (4 of the 5
    pairs); the two-sided sign test's p for 4 of 5 is 2 * (1 + 5) / 2**5 = 0.375."""
    a = [1.0, 2.0, 3.0, 4.0, 5.0, 0.1]
    b = [2.0, 1.0, 4.0, 5.0, 6.0]
    runs = ([_hand_run("wasserstein", s, w) for s, w in zip(range(1, 7), a)]
            + [_hand_run("gan", s, w) for s, w in zip(range(1, 6), b)])
    groups = group_runs(runs, "seed")
    assert [len(g.runs) for g in groups] == [6, 5]
    test = paired(groups[0], groups[1])
    assert (test.lower, test.n, test.ties) == (4, 5, 0)
    assert test.p == pytest.approx(0.375)
    assert "lower on 4/5 seeds" in test.sentence() and "n = 5" in test.sentence()
    assert paired(groups[1], groups[0]).lower == 1
    by_objective = group_runs(runs, "objective")
    assert paired(*by_objective).lower == 4
    assert isinstance(groups[0], Group) and math.isnan(Group("x", runs[:1], ["s"]).stats("final_w1")[1])


class _Cells(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.cell, self.images = [], None, []

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = ""
        elif tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.rows[-1].append(self.cell)
            self.cell = None


def test_html_holds_the_table_and_the_figure_inline(runs, tmp_path):
    out = _compare(runs, tmp_path)
    page = (out / "compare.html").read_text()
    # nothing fetched: it opens offline (the inlined figure's base64 may spell "http" by chance)
    assert "http" not in re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
    parser = _Cells()
    parser.feed(page)
    tables = {}  # first heading cell ('group', 'run') -> {first cell of a row: {heading: cell}}
    for row in parser.rows:
        if row and row[0] in ("group", "run"):
            header = row
            tables[row[0]] = {}
        elif row:
            tables[header[0]][row[0]] = dict(zip(header, row))
    body = tables["run"]
    for run in runs.values():
        assert float(body[run.name]["final W1"]) == pytest.approx(_expected(run)["final_w1"], rel=5e-3)
    # the groups' mean +- sd, read back from the page, against numpy over the runs' metrics.jsonl
    for objective in OBJECTIVES:
        mean, sd = map(float, tables["group"][f"objective={objective}"]["final W1"].split(" ± "))
        values = [_expected(runs[objective, s])["final_w1"] for s in SEEDS]
        assert mean == pytest.approx(np.mean(values), rel=5e-3)
        assert sd == pytest.approx(np.std(values, ddof=1), rel=5e-3, abs=1e-3)
    (src,) = parser.images
    assert src.startswith("data:image/png;base64,")
    assert base64.b64decode(src.split(",", 1)[1]) == (out / "compare.png").read_bytes()


def test_bad_input_is_one_line(runs, tmp_path, capsys):
    not_a_run = tmp_path / "empty"
    not_a_run.mkdir()
    one = str(runs["gan", 1])
    cases = [([str(not_a_run)], ["empty", "not a run directory", "config.toml"]),
             ([str(tmp_path / "missing")], ["does not exist"]),
             ([one, "--by", "seed"], ["--by seed", "one run"]),
             ([one, str(runs["gan", 2]), "--by", "optim.bogus"], ["--by optim.bogus", "not a setting"]),
             ([one, one], ["given twice"])]
    for argv, words in cases:
        capsys.readouterr()
        assert main(["compare", *argv, "--out", str(tmp_path / "out")]) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("wgan: error: "), err
        assert all(w in err[0] for w in words), err[0]


def test_groups_named_by_what_tells_them_apart():
    """A setting that acts under one objective only names a group only where two groups need it."""
    runs = [_hand_run("wasserstein", s, 1.0) for s in (1, 2)]
    runs += [_hand_run("gan", s, 1.0, **{"objective.generator_loss": loss}) for s in (1, 2)
             for loss in ("default", "non_saturating")]
    labels = [g.label for g in group_runs(runs, "seed")]
    assert labels == ["objective=wasserstein", "objective=gan, objective.generator_loss=default",
                      "objective=gan, objective.generator_loss=non_saturating"]
    # runs[0]: wasserstein seed 1, runs[2]: gan default seed 1, runs[5]: gan non_saturating seed 2
    assert group_runs([runs[0], runs[2], runs[5]], None) == []  # no two differ only in their seed


def test_by_objective_pairs_runs_on_their_seed(runs, tmp_path):
    """gan's objective.generator_loss, absent under wasserstein, does not keep seeds from pairing."""
    out = _compare(runs, tmp_path, "--by", "objective")
    md = (out / "compare.md").read_text()
    w1 = {o: [_expected(runs[o, s])["final_w1"] for s in SEEDS] for o in OBJECTIVES}
    first, second = sorted(OBJECTIVES, key=lambda o: np.mean(w1[o]))
    wins = sum(x < y for x, y in zip(w1[first], w1[second]))
    assert f"objective={first} vs objective={second}: final W1 lower on {wins}/2 seeds" in md


def test_legend_names_objective_and_constraint_by_value():
    from wgan.compare_report import legend_label

    assert legend_label("objective=wasserstein, constraint=one_sided_penalty") == "wasserstein + one_sided_penalty"
    assert legend_label("objective=gan, objective.generator_loss=default") == "gan, objective.generator_loss=default"
    assert legend_label("optim.lr_critic=0.001") == "optim.lr_critic=0.001"
    assert legend_label("all") == "all"
