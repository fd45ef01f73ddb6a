"""`wgan emd`: the exact Earth Mover's distance, its transport plan, or the Monge assignment.

Two ways to pose the problem:
  --supply a.csv --demand b.csv --cost C.csv     masses and an explicit cost matrix
  --points-a X.csv --points-b Y.csv              two point sets; cost = d(x, y)^power
                                                 (masses uniform, or --supply/--demand)
A mass file is numbers separated by commas or new lines; a cost or point file is one row
per line, numbers separated by commas, semicolons, tabs or spaces (detected from the file).
'#' comments are skipped; a point file may start with a header line. .npy files are read
as arrays. Point files are read by `wgan.data.points.read_point_file`, as for training.

Point sets go through `wgan.transport`'s solvers (--solver: the certified sparse solver from
2,000 points a side); the memory a solve needs is estimated first, and a solve that cannot
fit is refused in one line (`transport.memory`). A large plan is printed as its heaviest
non-zero entries with their count, written whole but sparse (--plan FILE.npz, --json), and
drawn as its heaviest moves; the answer is printed before any file is written.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data.points import TextTable, read_point_file, read_table
from ..errors import WganError
from ..outputs import atomic, make_folder

# Largest plan printed as a full matrix; bigger plans are listed entry by entry, the
# heaviest _MAX_LISTED of them. Plans up to _MAX_DENSE_ENTRIES entries are also kept (and
# written in --json) as a matrix. --plot draws the heaviest _MAX_DRAWN moves.
_MAX_TABLE_ROWS, _MAX_TABLE_COLS = 40, 12
_MAX_LISTED = 30
_MAX_DENSE_ENTRIES = 10_000
_MAX_DRAWN = 2000


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "emd", help="exact Earth Mover's distance: cost and transport plan (or Monge assignment)",
        description="Solve the transport problem exactly (POT's network simplex) and print the "
                    "minimal cost and the plan as a table. Give masses and a cost matrix "
                    "(--supply, --demand, --cost), or two point sets (--points-a, --points-b). "
                    "Mass files: numbers separated by commas or new lines. Cost and point files: "
                    "one row per line.",
        epilog="example: wgan emd --supply examples/bakeries/supply.csv "
               "--demand examples/bakeries/demand.csv --cost examples/bakeries/cost.csv")
    p.add_argument("--supply", type=Path, metavar="FILE", help="masses at the sources (rows of the cost)")
    p.add_argument("--demand", type=Path, metavar="FILE", help="masses wanted at the targets (columns)")
    p.add_argument("--cost", type=Path, metavar="FILE", help="cost matrix: one row per source, one line per row")
    p.add_argument("--points-a", type=Path, metavar="FILE", help="source points, one per line (n x d)")
    p.add_argument("--points-b", type=Path, metavar="FILE", help="target points, one per line (m x d)")
    p.add_argument("--metric", metavar="NAME",
                   help="ground distance between points: any scipy cdist metric (default euclidean)")
    p.add_argument("--power", metavar="P",
                   help="cost = distance^P between points (P >= 1; 2 gives W2 = cost^(1/2)); default 1")
    p.add_argument("--normalize", action="store_true",
                   help="scale supply and demand each to total 1 (otherwise their totals must match)")
    p.add_argument("--assignment", action="store_true",
                   help="the Monge problem: one unit per source and per target, an optimal permutation")
    p.add_argument("--solver", choices=("auto", "simplex", "sparse"), default="auto",
                   help="exact solver for point sets: 'simplex' (POT's network simplex on the dense cost "
                        "matrix), 'sparse' (the same simplex on a sparse candidate graph, certified optimal "
                        "over all pairs, memory O(n + m)), or 'auto': sparse from 2,000 points a side "
                        "(default auto)")
    p.add_argument("--time-limit", type=float, metavar="SECONDS",
                   help="let the sparse solver stop at the end of the first round that finishes past "
                        "SECONDS (the finest level solves once at least): a feasible plan and the optimum's "
                        "certified bracket [lower bound, cost], said to be not certified optimal, instead of "
                        "an exact answer (default: no limit)")
    p.add_argument("--plan", type=Path, metavar="FILE.npz",
                   help="write the plan's non-zero entries (rows, cols, mass, 0-based), its shape, cost "
                        "and potentials to a .npz file (default: none)")
    p.add_argument("--plot", type=Path, metavar="FILE.png",
                   help="draw the plan; of a large plan, the heaviest 2,000 moves (default: none)")
    p.add_argument("--json", action="store_true",
                   help='print {"cost": ..., "nonzeros": {"from", "to", "mass"}, ...} instead, with the '
                        'dense "plan" only up to 10,000 entries (default: off)')
    p.set_defaults(func=run)


# --------------------------------------------------------------------------------------
# Files


def _number(cell: str, where: str, table: TextTable | None = None) -> float:
    try:
        value = float(cell)
    except ValueError:
        expected = f"; expected {table.expected()}" if table is not None else ""
        raise WganError(f"{where}: {cell[:30]!r} is not a number{expected}") from None
    if math.isnan(value):
        raise WganError(f"{where}: NaN")
    if math.isinf(value):
        raise WganError(f"{where}: infinite value {cell!r}")
    return value


def _load_npy(path: Path) -> np.ndarray:
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise WganError(f"cannot read {path}: {exc}") from None
    if array.dtype.kind not in "iuf":
        raise WganError(f"{path}: expected numbers, got an array of dtype {array.dtype}")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise WganError(f"{path}: entry {index} is NaN or infinite")
    return array


def read_vector(path: Path, kind: str = "mass file") -> np.ndarray:
    """Masses (n,) from a file: numbers separated by commas, semicolons, spaces or new lines
    (or a 1-D .npy); '#' comments are skipped."""
    if path.suffix.lower() == ".npy" and path.is_file():
        values = _load_npy(path)
        if values.ndim != 1:
            raise WganError(f"{path}: expected a list of masses, got an array of shape {values.shape}")
    else:
        table = read_table(path, header_ok=False, same_width=False, kind=kind)
        values = np.asarray([_number(cell, table.where(number), table) for number, cells in table.rows
                             for cell in cells], dtype=np.float64)
    if values.size == 0:
        raise WganError(f"{path}: no numbers in the file")
    return values


def read_matrix(path: Path, header_ok: bool = False, kind: str = "cost file") -> np.ndarray:
    """A matrix (n, m) from a file: one row per line, numbers separated by commas, semicolons,
    tabs or spaces, as `wgan.data.points.read_table` detects (or a .npy). Point files go
    through `wgan.data.points.read_point_file` instead."""
    if path.suffix.lower() == ".npy" and path.is_file():
        values = _load_npy(path)
        return values[:, None] if values.ndim == 1 else values
    table = read_table(path, header_ok=header_ok, kind=kind)
    if not table.rows:
        raise WganError(f"{path}: no rows of numbers in the file")
    return np.asarray([[_number(cell, table.where(number, k), table) for k, cell in enumerate(cells, start=1)]
                       for number, cells in table.rows], dtype=np.float64)


def read_point_set(path: Path) -> np.ndarray:
    """Points (n, d) float64 for --points-a/--points-b: the project's one point-file reader."""
    return read_point_file(path, min_points=1, kind="point file").points


def _check_nonnegative(values: np.ndarray, path: Path, what: str, plural: str) -> None:
    if (values < 0).any():
        index = np.argwhere(values < 0)[0]
        where = (f"row {index[0] + 1}, column {index[1] + 1}" if values.ndim == 2
                 else f"entry {index[0] + 1}")
        raise WganError(f"{path}, {where}: {what} {values[tuple(index)]:g} is negative; "
                        f"{plural} must be >= 0")


# --------------------------------------------------------------------------------------
# Formatting


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value - round(value)) < 1e-9 * max(1.0, abs(value)):
        return str(int(round(value)))
    return f"{value:.6g}"


def format_plan(plan: np.ndarray, supply: np.ndarray, demand: np.ndarray,
                u: np.ndarray | None = None, v: np.ndarray | None = None) -> str:
    """The plan as an aligned table with the supply column, the demand row and the potentials."""
    n, m = plan.shape
    row_names = [f"x{i + 1}" for i in range(n)] + ["demand"] + (["v"] if v is not None else [])
    header = [f"y{j + 1}" for j in range(m)]
    body = [[_fmt(plan[i, j]) for j in range(m)] for i in range(n)]
    body.append([_fmt(d) for d in demand])
    if v is not None:
        body.append([f"{x:.6g}" for x in v])
    right = [[_fmt(s)] + ([f"{u[i]:.6g}"] if u is not None else []) for i, s in enumerate(supply)]
    right.append([_fmt(supply.sum())] + ([""] if u is not None else []))
    if v is not None:
        right.append([""] * len(right[0]))
    right_header = ["supply"] + (["u"] if u is not None else [])
    name_w = max(len(r) for r in row_names)
    col_w = max(len(c) for c in header + [c for row in body for c in row])
    right_w = [max(len(right_header[k]), *(len(r[k]) for r in right)) for k in range(len(right_header))]

    def line(name: str, cells: list[str], extra: list[str]) -> str:
        left = f"{name:<{name_w}} " + " ".join(f"{c:>{col_w}}" for c in cells)
        return left + " | " + " ".join(f"{e:>{w}}" for e, w in zip(extra, right_w))

    lines = [line("", header, right_header)]
    lines.append("-" * len(lines[0]))
    for k, name in enumerate(row_names):
        if name == "demand":
            lines.append("-" * len(lines[0]))
        lines.append(line(name, body[k], right[k]).rstrip())
    return "\n".join(lines)


def format_entries(rows: np.ndarray, cols: np.ndarray, mass: np.ndarray, costs: np.ndarray) -> str:
    """Entries of a plan (0-based rows, cols, masses, their costs C_ij), one per line."""
    w = max(6, len(str(int(max(rows.max(initial=0), cols.max(initial=0))) + 1)) + 1)
    lines = [f"{'from':>{w}} {'to':>{w}} {'mass':>12} {'cost':>12}"]
    for i, j, q, c in zip(rows, cols, mass, costs):
        lines.append(f"{'x' + str(i + 1):>{w}} {'y' + str(j + 1):>{w}} {q:12.6g} {c:12.6g}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# The command


def _problem(args: argparse.Namespace):
    """(supply, demand, cost, points_a, points_b, power) from the arguments, checked; for
    point sets the cost is None (the solver measures it)."""
    _check_flags(args)
    power = _power(args)
    supply = demand = None
    if args.supply is not None and args.demand is not None:
        supply, demand = read_vector(args.supply), read_vector(args.demand)
        _check_nonnegative(supply, args.supply, "mass", "masses")
        _check_nonnegative(demand, args.demand, "mass", "masses")
    if args.cost is not None:
        return supply, demand, _read_cost(args, supply, demand), None, None, power
    points_a, points_b = _read_point_pair(args, supply, demand)
    if supply is None and not args.assignment:
        supply, demand = np.full(len(points_a), 1.0 / len(points_a)), np.full(len(points_b), 1.0 / len(points_b))
    return supply, demand, None, points_a, points_b, power


def _check_flags(args: argparse.Namespace) -> None:
    """WganError for a combination of flags that poses no problem, or two at once."""
    has_points = args.points_a is not None or args.points_b is not None
    if args.cost is not None and has_points:
        raise WganError("give either --cost or --points-a/--points-b, not both")
    if args.cost is None and not has_points:
        raise WganError("nothing to solve: give --supply, --demand and --cost, or --points-a and --points-b")
    if has_points and (args.points_a is None or args.points_b is None):
        missing = "--points-b" if args.points_b is None else "--points-a"
        raise WganError(f"{missing} is missing: two point sets are needed")
    masses_given = [args.supply is not None, args.demand is not None]
    if args.assignment and any(masses_given):
        raise WganError("--assignment solves the Monge problem with one unit of mass per source and "
                        "per target: drop --supply/--demand")
    if args.assignment and args.normalize:
        raise WganError("--normalize applies to masses; --assignment moves one unit per source and target")
    if not args.assignment and any(masses_given) and not all(masses_given):
        missing = "--demand" if args.demand is None else "--supply"
        raise WganError(f"{missing} is missing: give both --supply and --demand")
    if args.cost is not None and not args.assignment and not all(masses_given):
        raise WganError("--cost needs --supply and --demand (or --assignment for one unit of mass each)")
    if args.solver != "auto" and (args.cost is not None or args.assignment):
        raise WganError(f"--solver {args.solver} applies to point sets without --assignment; "
                        f"a --cost matrix or an assignment has one solver")
    if args.time_limit is not None and (args.cost is not None or args.assignment or args.solver == "simplex"):
        raise WganError("--time-limit applies to the sparse solver (point sets, --solver auto or sparse); "
                        "a --cost matrix, an assignment or --solver simplex is solved whole")
    if args.time_limit is not None and not (math.isfinite(args.time_limit) and args.time_limit > 0):
        raise WganError(f"--time-limit {args.time_limit:g}: give a positive number of seconds")
    if args.cost is not None and (args.metric is not None or args.power is not None):
        raise WganError("--metric and --power apply to point sets (--points-a/--points-b); "
                        "with --cost the matrix is the cost")


def _power(args: argparse.Namespace) -> float:
    """--power as a float >= 1 (default 1)."""
    try:
        power = float(args.power or 1)
    except ValueError:
        raise WganError(f"--power {args.power!r}: expected a number >= 1") from None
    if not math.isfinite(power) or power < 1:
        raise WganError(f"--power {args.power}: must be >= 1")
    return power


def _read_cost(args: argparse.Namespace, supply: np.ndarray | None, demand: np.ndarray | None) -> np.ndarray:
    """The --cost matrix (n, m), >= 0, with one row per supply and one column per demand mass."""
    cost = read_matrix(args.cost)
    _check_nonnegative(cost, args.cost, "cost", "costs")
    if supply is not None and cost.shape != (len(supply), len(demand)):
        raise WganError(f"{args.cost} is a {cost.shape[0]} x {cost.shape[1]} matrix, but "
                        f"{args.supply} has {len(supply)} masses and {args.demand} has "
                        f"{len(demand)}: expected {len(supply)} rows of {len(demand)} numbers")
    return cost


def _read_point_pair(args: argparse.Namespace, supply: np.ndarray | None,
                     demand: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """--points-a (n, d) and --points-b (m, d), of one dimension, with one mass per point."""
    points_a, points_b = read_point_set(args.points_a), read_point_set(args.points_b)
    if points_a.shape[1] != points_b.shape[1]:
        raise WganError(f"{args.points_a} holds {points_a.shape[1]}-D points but {args.points_b} "
                        f"holds {points_b.shape[1]}-D points")
    for path, points, masses, name in ((args.points_a, points_a, supply, "--supply"),
                                       (args.points_b, points_b, demand, "--demand")):
        if masses is not None and len(masses) != len(points):
            raise WganError(f"{name} has {len(masses)} masses but {path} has {len(points)} points")
    return points_a, points_b


@dataclass
class Solution:
    """An exact solution, its plan as non-zero entries (0-based rows, cols, masses)."""
    cost: float
    rows: np.ndarray
    cols: np.ndarray
    mass: np.ndarray
    shape: tuple[int, int]
    solver: str
    u: np.ndarray | None = None
    v: np.ndarray | None = None
    gap: float | None = None
    certified: bool = True  # False: stopped by --time-limit, the optimum in [cost - gap, cost]
    dense: np.ndarray | None = None  # the (n, m) plan, kept only when small
    assignment: np.ndarray | None = None

    @property
    def lower_bound(self) -> float | None:
        """cost - gap: the certified lower bound on the optimum (sparse solver only)."""
        return None if self.gap is None else self.cost - self.gap


def _nonzeros(plan: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, cols = np.nonzero(plan > 1e-12 * plan.sum())  # not the solver's round-off
    return rows, cols, plan[rows, cols]


def _small(shape: tuple[int, int]) -> bool:
    return shape[0] * shape[1] <= _MAX_DENSE_ENTRIES


def _choose_solver(args: argparse.Namespace, n: int, m: int) -> str:
    from ..transport.sample_sets import auto_solver

    if args.assignment:
        return "assignment"
    if args.cost is not None or args.solver == "simplex":
        return "simplex"
    if args.solver == "sparse":
        return "sparse"
    return auto_solver(n, m, args.metric or "euclidean")


def solve(args: argparse.Namespace, supply, demand, cost, points_a, points_b, power) -> Solution:
    """The exact solution by the solver --solver picks, after checking that it fits in memory."""
    from ..transport import earth_movers_distance, ground_cost, monge_assignment, sparse_wasserstein
    from ..transport.inputs import check_balance
    from ..transport.memory import check_fits

    shape = cost.shape if cost is not None else (len(points_a), len(points_b))
    solver = _choose_solver(args, *shape)
    check_fits(solver, *shape)
    metric = args.metric or "euclidean"
    if solver == "sparse":
        if not args.normalize:
            check_balance(supply, demand)
        total = 1.0 if args.normalize else float(supply.sum())
        result = sparse_wasserstein(points_a, points_b, supply, demand, p=power, metric=metric,
                                    time_limit=args.time_limit)
        plan = result.plan
        return Solution(result.cost * total, plan.row.astype(np.int64), plan.col.astype(np.int64),
                        plan.data * total, shape, solver, result.u, result.v, result.gap * total,
                        certified=result.certified)
    if cost is None:
        cost = ground_cost(points_a, points_b, metric, power)
    if solver == "assignment":
        result = monge_assignment(cost)
        n = len(result.assignment)
        return Solution(result.cost, np.arange(n), result.assignment, np.ones(n), shape, solver,
                        dense=result.plan if _small(shape) else None, assignment=result.assignment)
    result = earth_movers_distance(supply, demand, cost, normalize=args.normalize)
    rows, cols, mass = _nonzeros(result.plan)
    return Solution(result.cost, rows, cols, mass, shape, solver, result.u, result.v,
                    dense=result.plan if _small(shape) else None)


def _pair_costs(args, sol: Solution, index: np.ndarray, cost, points_a, points_b, power) -> np.ndarray:
    """C_ij of the entries `index` of the plan (from the matrix, or measured between points)."""
    rows, cols = sol.rows[index], sol.cols[index]
    if cost is not None:
        return cost[rows, cols]
    from ..transport import ground_cost

    metric = args.metric or "euclidean"
    return np.array([ground_cost(points_a[i:i + 1], points_b[j:j + 1], metric, power)[0, 0]
                     for i, j in zip(rows, cols)])


def run(args: argparse.Namespace) -> int:
    if args.plot is not None and args.plot.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise WganError(f"--plot {args.plot}: expected a .png, .pdf or .svg file name")
    if args.plan is not None and args.plan.suffix.lower() != ".npz":
        raise WganError(f"--plan {args.plan}: expected a .npz file name")
    for path in (args.plot, args.plan):
        if path is not None:
            make_folder(path.parent)  # a missing folder is made, as by every command
    supply, demand, cost, points_a, points_b, power = _problem(args)
    points = points_a is not None
    sol = solve(args, supply, demand, cost, points_a, points_b, power)
    if args.assignment:
        supply = demand = np.ones(sol.shape[0])
    elif args.normalize:
        supply, demand = supply / supply.sum(), demand / demand.sum()
    # The answer first: files are written after it is on the screen.
    if args.json:
        print(json.dumps(_report(sol, points, power)))
    else:
        _print(args, sol, supply, demand, cost, points_a, points_b, power)
    sys.stdout.flush()
    if args.plan is not None:
        _save_plan(args.plan, sol, supply, demand)
        if not args.json:
            print(f"plan: {args.plan} ({len(sol.mass):,} non-zero entries)")
    if args.plot is not None:
        _plot(args, sol, supply, demand, cost, points_a, points_b)
        if not args.json:
            print(f"plot: {args.plot}")
    return 0


def _report(sol: Solution, points: bool, power: float) -> dict:
    """The --json report: cost, the plan's non-zero entries (0-based), the dense plan only when
    small, the potentials, and for point sets W_p (and the certified gap of the sparse solver)."""
    report = {"cost": sol.cost, "solver": sol.solver, "shape": list(sol.shape),
              "nonzeros": {"from": sol.rows.tolist(), "to": sol.cols.tolist(), "mass": sol.mass.tolist()}}
    if sol.dense is not None:
        report["plan"] = sol.dense.tolist()
    if sol.assignment is not None:
        report["assignment"] = sol.assignment.tolist()
    if sol.u is not None:
        report["u"], report["v"] = sol.u.tolist(), sol.v.tolist()
    if points and sol.assignment is None:
        report["wasserstein"] = max(sol.cost, 0.0) ** (1.0 / power)
    if sol.gap is not None:
        report["gap"] = sol.gap
        report["lower_bound"] = sol.lower_bound
        report["certified"] = sol.certified
        if points and not sol.certified:
            report["wasserstein_lower_bound"] = max(sol.lower_bound, 0.0) ** (1.0 / power)
    return report


def _print(args, sol: Solution, supply, demand, cost, points_a, points_b, power) -> None:
    n, m = sol.shape
    print(_summary(args, sol.cost, float(sol.mass.sum()), sol.shape, points_a is not None, power))
    if sol.gap is not None and sol.certified:
        print(f"certified optimal by the sparse solver: the optimum lies within {max(sol.gap, 0.0):.3g} "
              f"of this cost (duality gap)")
    elif sol.gap is not None:
        low = sol.lower_bound
        bracket = (f"; W{_fmt(power)} = cost^(1/{_fmt(power)}) lies in [{_fmt(max(low, 0.0) ** (1.0 / power))}, "
                   f"{_fmt(max(sol.cost, 0.0) ** (1.0 / power))}]" if points_a is not None and power != 1 else "")
        print(f"NOT certified optimal: stopped at --time-limit {args.time_limit:g} s; this plan is feasible and "
              f"the optimum lies in [{_fmt(low)}, {_fmt(sol.cost)}] (gap {sol.gap:.3g}, {sol.gap / (sol.cost or 1.0):.2g} "
              f"of the cost){bracket}")
    if sol.dense is not None and n <= _MAX_TABLE_ROWS and m <= _MAX_TABLE_COLS:
        print("plan: mass moved from source x_i (row) to target y_j (column)"
              + ("; dual potentials u, v: u_i + v_j <= C_ij, cost = supply.u + demand.v"
                 if sol.u is not None else ""))
        print(format_plan(sol.dense, supply, demand, sol.u, sol.v))
    else:
        count = len(sol.mass)
        from ..plots.transport import heaviest_moves

        order = heaviest_moves(sol.mass, _MAX_LISTED)
        heaviest = f"; the heaviest {len(order)}" if count > len(order) else ""
        print(f"plan: {n} x {m}, {count:,} non-zero entries{heaviest}:")
        costs = _pair_costs(args, sol, order, cost, points_a, points_b, power)
        print(format_entries(sol.rows[order], sol.cols[order], sol.mass[order], costs))
        if count > len(order):
            print(f"... and {count - len(order):,} more (--plan FILE.npz or --json writes them all)")
    if args.assignment and n <= _MAX_TABLE_ROWS:
        print("assignment: " + ", ".join(f"x{i + 1} -> y{j + 1}" for i, j in enumerate(sol.assignment)))


def _save_plan(path: Path, sol: Solution, supply, demand) -> None:
    """The plan's non-zero entries (0-based rows, cols, masses) with its shape, cost and
    margins, as a .npz: scipy.sparse.coo_array((mass, (rows, cols)), shape) rebuilds it."""
    extra = {"u": sol.u, "v": sol.v} if sol.u is not None else {}
    if sol.gap is not None:
        extra["gap"] = np.float64(sol.gap)
        extra["certified"] = np.bool_(sol.certified)
    with atomic(path) as f:  # a failed write is one line naming the file, and leaves no part of it
        np.savez(f, rows=sol.rows, cols=sol.cols, mass=sol.mass, shape=np.array(sol.shape),
                 cost=np.float64(sol.cost), supply=supply, demand=demand, **extra)


def _plot(args, sol: Solution, supply, demand, cost, points_a, points_b) -> None:
    from ..plots import plot_transport_plan, plot_transport_points

    title = f"{'Monge assignment' if args.assignment else 'optimal transport plan'}: cost {_fmt(sol.cost)}"
    if points_a is not None and (points_a.shape[1] <= 2 or sol.dense is None):
        plot_transport_points(points_a, points_b, (sol.rows, sol.cols, sol.mass), args.plot, title=title,
                              max_moves=_MAX_DRAWN)
    elif sol.dense is not None:
        plot_transport_plan(sol.dense, args.plot, cost=cost, supply=supply, demand=demand, title=title)
    else:
        import scipy.sparse

        plan = scipy.sparse.coo_array((sol.mass, (sol.rows, sol.cols)), shape=sol.shape).toarray()
        plot_transport_plan(plan, args.plot, cost=cost, supply=supply, demand=demand, title=title)


def _summary(args: argparse.Namespace, cost: float, total: float, shape, points: bool, power: float) -> str:
    n, m = shape
    if args.assignment:
        return f"assignment cost: {_fmt(cost)} ({n} units; {cost / n:.6g} per unit)"
    line = f"cost: {_fmt(cost)} (total mass {_fmt(total)}; {cost / total:.6g} per unit)"
    if points:
        p = _fmt(power)
        line = (f"W{p} = {max(cost, 0.0) ** (1.0 / power):.6g} ({args.metric or 'euclidean'} ground distance; "
                f"cost = sum plan * d^{p} = {cost:.6g})")
    return line
