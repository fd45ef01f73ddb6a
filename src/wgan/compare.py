"""Comparing runs: one row per run read from its metrics.jsonl, config.toml and evaluation.json,
the settings that differ between the runs, groups of runs (e.g. seeds of one setting) as
mean +- sd, and paired comparisons between groups (a sign test over matched runs).

No figures here (see `wgan.plots.compare`); `wgan compare` writes the tables and the page.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .errors import WganError
from .formatting import duration, significant
from .runs import METRICS, config_of_run, read_metrics

SEED = "train.seed"
# Settings that name or describe a run rather than change what it trains.
NOT_SETTINGS = ("name", "description")
# --by shorthands: the config key each one groups on.
BY_SHORTHANDS = {"objective": "objective.name", "constraint": "constraint.name", "seed": SEED}
NOT_APPLICABLE = "-"


@dataclass
class RunSummary:
    """One run's numbers. final_w1: the mean over the final evaluation's draws where it made
    several (w1_mean), else the last evaluation's W1; floor likewise (w1_floor_mean, w1_floor);
    best_w1: the lowest W1 of any evaluation, at best_step. evaluation: the numeric entries of
    the run's evaluation.json (`wgan evaluate`), when there is one."""

    path: Path
    label: str
    settings: dict[str, Any]
    records: list[dict[str, Any]]
    final_w1: float
    best_w1: float
    best_step: int
    floor: float
    steps: int
    wall_s: float
    modes: float | None = None
    modes_total: int | None = None
    high_quality: float | None = None
    evaluation: dict[str, float] = field(default_factory=dict)

    @property
    def steps_per_s(self) -> float:
        return self.steps / self.wall_s if self.wall_s > 0 else math.nan

    def value(self, metric: str) -> float | None:
        """A numeric column by name: a field above, steps_per_s, or 'evaluation.<key>'."""
        if metric.startswith("evaluation."):
            return self.evaluation.get(metric[len("evaluation."):])
        return getattr(self, metric)


def read_run(path: Path) -> RunSummary:
    """A run directory's summary; a WganError names what is missing."""
    from .config import flat_settings, settings_that_apply

    path = Path(path)
    config = config_of_run(path)  # refuses a folder without config.toml
    if not (path / METRICS).is_file():
        raise WganError(f"{path} is not a finished run directory: {METRICS} is missing")
    records = read_metrics(path)
    evals = [r for r in records if r.get("w1") is not None]
    if not evals:
        raise WganError(f"{path}: {METRICS} holds no evaluation (no 'w1' record); train it past its "
                        "first evaluation (eval.every) or leave it out")
    last = evals[-1]
    best = min(evals, key=lambda r: float(r["w1"]))
    settings = {k: tuple(v) if isinstance(v, list) else v  # lists as tuples, so that they compare
                for k, v in flat_settings(settings_that_apply(config)).items() if k not in NOT_SETTINGS}
    final_record = records[-1]
    summary = RunSummary(
        path=path, label=path.name, settings=settings, records=records,
        final_w1=float(last.get("w1_mean", last["w1"])), best_w1=float(best["w1"]), best_step=int(best["step"]),
        floor=float(last.get("w1_floor_mean", last.get("w1_floor", math.nan))),
        steps=int(final_record["step"]), wall_s=float(final_record.get("wall_s", math.nan)))
    if last.get("modes") is not None:
        summary.modes = float(last.get("modes_mean", last["modes"]))
        summary.modes_total = int(last.get("modes_total", 0))
    if last.get("high_quality") is not None:
        summary.high_quality = float(last.get("high_quality_mean", last["high_quality"]))
    summary.evaluation = _evaluation_numbers(path / "evaluation.json")
    return summary


def _evaluation_numbers(path: Path) -> dict[str, float]:
    """The top-level numbers of an evaluation.json (not its step, timing or sample counts)."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        raise WganError(f"{path} is not valid JSON: rerun `wgan evaluate --run {path.parent}` or delete it") from None
    skip = {"step", "seconds", "n_real", "n_generated", "n", "repeats", "seed", "modes_total"}
    return {k: float(v) for k, v in data.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in skip and not k.endswith("_std")}


def read_runs(paths: Sequence[Path]) -> list[RunSummary]:
    """Summaries of run directories, labelled by folder name (by path where two names clash)."""
    if not paths:
        raise WganError("no run directories given: name one or more, e.g. `wgan compare runs/a runs/b`")
    seen: set[Path] = set()
    for path in paths:
        if Path(path).resolve() in seen:
            raise WganError(f"run {path} is given twice: name each run directory once")
        seen.add(Path(path).resolve())
    runs = [read_run(Path(p)) for p in paths]
    names = [r.label for r in runs]
    for run in runs:
        if names.count(run.label) > 1:
            run.label = str(run.path)
    return runs


def differing_keys(runs: Sequence[RunSummary]) -> list[str]:
    """The settings whose value differs between the runs (a setting that does not act in a run,
    and so is absent from its snapshot, counts as a value of its own), in config order."""
    keys: list[str] = []
    for run in runs:
        keys += [k for k in run.settings if k not in keys]
    return [k for k in keys if len({repr(r.settings.get(k, NOT_APPLICABLE)) for r in runs}) > 1]


def shown(value: Any) -> str:
    """A setting as a table shows it."""
    if isinstance(value, tuple):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    if isinstance(value, float):
        return significant(value)
    return str(value)


@dataclass
class Group:
    """Runs compared as one: label (the grouping values), runs, and each run's pairing id
    (what a run of another group must share to be its pair)."""

    label: str
    runs: list[RunSummary]
    pair_ids: list[str]
    pair_keys: list[str] = field(default_factory=list)

    def stats(self, metric: str) -> tuple[float, float, int]:
        """(mean, sample standard deviation (ddof=1; NaN for one run), n) of a metric over the runs."""
        values = np.array([v for v in (r.value(metric) for r in self.runs) if v is not None], dtype=np.float64)
        if len(values) == 0:
            return math.nan, math.nan, 0
        sd = float(np.std(values, ddof=1)) if len(values) > 1 else math.nan
        return float(np.mean(values)), sd, len(values)


def resolve_by(by: str, runs: Sequence[RunSummary]) -> str:
    """The config key of --by (objective, constraint, seed or a 'section.key')."""
    key = BY_SHORTHANDS.get(by, by)
    known = {k for r in runs for k in r.settings} | {SEED}
    if key not in known:
        raise WganError(f"--by {by}: not a setting of these runs; expected objective, constraint, seed or a "
                        "config key such as optim.lr_critic (see a run's config.toml)")
    return key


def group_runs(runs: Sequence[RunSummary], by: str | None) -> list[Group]:
    """Groups of runs. by None or 'seed' (train.seed): runs that differ only in their seed form
    a group, paired by seed. by another key: one group per value of that key, runs paired across
    groups when every other differing setting (the seed among them) is the same.
    Without `by`, only groups of two or more runs are returned (none when no runs share a setting)."""
    keys = differing_keys(runs)
    if by is None or by in ("seed", SEED):
        rest = [k for k in keys if k != SEED]
        groups = _collect(runs, rest, [SEED])
        if by is None:
            return groups if any(len(g.runs) > 1 for g in groups) else []
        if not any(len(g.runs) > 1 for g in groups):
            which = "one run was given" if len(runs) == 1 else f"no two of the {len(runs)} runs differ only in it"
            raise WganError(f"--by seed groups runs that differ only in train.seed, and {which}; give "
                            "several seeds of one setting (wgan train --seed 1, --seed 2, ...) or leave out --by")
        return groups
    key = resolve_by(by, runs)
    # Settings that act in some runs only follow from another choice (objective.divergence from
    # objective.name = 'fgan'): runs are paired on the settings every run has.
    groups = _collect(runs, [key], [k for k in keys if k != key and all(k in r.settings for r in runs)])
    if len(groups) < 2:
        value = shown(runs[0].settings.get(key, NOT_APPLICABLE))
        raise WganError(f"--by {by}: every run has {key} = {value}; give runs that differ in it, or another --by")
    return groups


def _collect(runs: Sequence[RunSummary], label_keys: Sequence[str], pair_keys: Sequence[str]) -> list[Group]:
    """One group per combination of label_keys' values. A group is named by the label keys that
    act in every run (objective=gan), and by those acting in some runs only (its
    objective.generator_loss) where that is needed to tell two groups apart."""
    def words(run: RunSummary, keys: Sequence[str]) -> str:
        return ", ".join(f"{_short(k)}={shown(run.settings[k])}" for k in keys if k in run.settings) or "all"

    common = [k for k in label_keys if all(k in r.settings for r in runs)]
    groups: dict[str, Group] = {}
    for run in runs:
        pair = ", ".join(f"{_short(k)}={shown(run.settings.get(k, NOT_APPLICABLE))}" for k in pair_keys)
        group = groups.setdefault(words(run, label_keys), Group(words(run, common), [], [], list(pair_keys)))
        group.runs.append(run)
        group.pair_ids.append(pair)
    labels = [g.label for g in groups.values()]
    for full, group in groups.items():
        if labels.count(group.label) > 1:
            group.label = full
    return list(groups.values())


def _short(key: str) -> str:
    """'objective.name' -> 'objective', 'constraint.name' -> 'constraint'; other keys as they are."""
    return key[:-len(".name")] if key.endswith(".name") else key


@dataclass
class Paired:
    """Group a against group b on matched runs: `lower` of the `n` pairs have a's metric below b's.
    p: the two-sided sign test's p-value (ties count against neither and are dropped)."""

    a: str
    b: str
    metric: str
    lower: int
    ties: int
    n: int
    unit: str

    @property
    def p(self) -> float:
        from scipy.stats import binomtest

        decided = self.n - self.ties
        return float(binomtest(self.lower, decided, 0.5).pvalue) if decided else math.nan

    def sentence(self) -> str:
        what = {"final_w1": "final W1", "best_w1": "best W1"}.get(self.metric, self.metric)
        ties = f", {self.ties} tied" if self.ties else ""
        p = f"two-sided sign test p = {significant(self.p, 2)}" if self.n - self.ties else "no decided pair"
        return f"{self.a} vs {self.b}: {what} lower on {self.lower}/{self.n} {self.unit}{ties} ({p}, n = {self.n})"


def paired(a: Group, b: Group, metric: str = "final_w1") -> Paired:
    """a against b over the runs that share a pairing id (the seed, for seed groups)."""
    bs = dict(zip(b.pair_ids, b.runs))
    lower = ties = n = 0
    for pid, run in zip(a.pair_ids, a.runs):
        other = bs.get(pid)
        if other is None:
            continue
        x, y = run.value(metric), other.value(metric)
        if x is None or y is None:
            continue
        n += 1
        lower += x < y
        ties += x == y
    unit = "seeds" if a.pair_keys == [SEED] else "matched runs"
    return Paired(a.label, b.label, metric, lower, ties, n, unit)


def paired_tests(groups: Sequence[Group], metric: str = "final_w1", all_pairs_up_to: int = 6) -> list[Paired]:
    """Every pair of groups (up to `all_pairs_up_to` groups; in each, the group of lower mean
    metric first), else each group against the one of lowest mean; only pairs with matched runs."""
    if len(groups) < 2:
        return []
    if len(groups) <= all_pairs_up_to:
        ordered = sorted(groups, key=lambda g: g.stats(metric)[0])  # each pair: the lower mean first
        pairs = [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1:]]
    else:
        best = min(groups, key=lambda g: g.stats(metric)[0])
        pairs = [(best, g) for g in groups if g is not best]
    return [t for t in (paired(a, b, metric) for a, b in pairs) if t.n > 0]


def _pct(v: float) -> str:
    return f"{100 * v:.0f}%"


def run_columns(runs: Sequence[RunSummary]) -> list[tuple[str, str]]:
    """(heading, metric) of the numeric columns, those without a value in any run left out."""
    cols = [("final W1", "final_w1"), ("best W1", "best_w1"), ("best at step", "best_step"),
            ("floor", "floor"), ("modes", "modes"), ("high-quality", "high_quality")]
    evaluation = []
    for run in runs:
        evaluation += [k for k in run.evaluation if k not in evaluation]
    cols += [(f"evaluate {k}", f"evaluation.{k}") for k in evaluation]
    cols += [("steps", "steps"), ("wall time", "wall_s"), ("steps/s", "steps_per_s")]
    return [(h, m) for h, m in cols if any(r.value(m) is not None for r in runs)]


def format_value(metric: str, value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NOT_APPLICABLE
    if metric in ("steps", "best_step"):
        return str(int(value))
    if metric == "wall_s":
        return f"{significant(value)} s" if value < 60 else duration(value)
    if metric.endswith("high_quality"):
        return _pct(value)
    return significant(value)


def run_table(runs: Sequence[RunSummary]) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of one row per run: its label, the differing settings, the numbers."""
    keys = differing_keys(runs)
    cols = run_columns(runs)
    header = ["run", *map(_short, keys), *[h for h, _ in cols]]
    rows = []
    for run in runs:
        rows.append([run.label, *[shown(run.settings.get(k, NOT_APPLICABLE)) for k in keys],
                     *[format_value(m, run.value(m)) for _, m in cols]])
    return header, rows


def group_table(groups: Sequence[Group]) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of one row per group: n and each number's mean +- sd (ddof=1) over its runs."""
    runs = [r for g in groups for r in g.runs]
    cols = [(h, m) for h, m in run_columns(runs) if m != "best_step"]
    header = ["group", "n", *[h for h, _ in cols]]
    rows = []
    for group in groups:
        cells = []
        for _, metric in cols:
            mean, sd, n = group.stats(metric)
            cell = format_value(metric, mean if n else None)
            if n > 1 and not math.isnan(sd) and sd > 0:  # no '± 0' where every run agrees (steps)
                cell += f" ± {format_value(metric, sd)}"
            cells.append(cell)
        rows.append([group.label, str(len(group.runs)), *cells])
    return header, rows


def csv_rows(runs: Sequence[RunSummary]) -> tuple[list[str], list[list[Any]]]:
    """(header, rows) for compare.csv: full-precision numbers, settings as they are."""
    keys = differing_keys(runs)
    cols = run_columns(runs)
    header = ["run", "path", *keys, *[m for _, m in cols]]
    rows = [[r.label, str(r.path), *[shown(r.settings.get(k, NOT_APPLICABLE)) for k in keys],
             *["" if r.value(m) is None else r.value(m) for _, m in cols]] for r in runs]
    return header, rows


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table (| in cells escaped)."""
    def line(cells):
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"
    return "\n".join([line(header), line(["---"] * len(header)), *[line(r) for r in rows]])
