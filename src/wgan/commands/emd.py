"""`wgan emd`: the exact Earth Mover's distance, its transport plan, or the Monge assignment.

Two ways to pose the problem:
  --supply a.csv --demand b.csv --cost C.csv     masses and an explicit cost matrix
  --points-a X.csv --points-b Y.csv              two point sets; cost = d(x, y)^power
                                                 (masses uniform, or --supply/--demand)
A mass file is numbers separated by commas or new lines; a cost or point file is one row
per line, numbers separated by commas, semicolons, tabs or spaces (detected from the file).
'#' comments are skipped; a point file may start with a header line. .npy files are read
as arrays. Point files are read by `wgan.data.points.read_point_file`, as for training.
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from ..data.points import TextTable, read_point_file, read_table
from ..errors import WganError
from ..outputs import make_folder

# Largest plan printed as a full matrix; bigger plans are listed entry by entry.
_MAX_TABLE_ROWS, _MAX_TABLE_COLS = 40, 12


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
    p.add_argument("--plot", type=Path, metavar="FILE.png", help="draw the plan")
    p.add_argument("--json", action="store_true", help='print {"cost": ..., "plan": [[...]], ...} instead')
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


def format_entries(plan: np.ndarray, cost: np.ndarray | None) -> str:
    """The non-zero entries of a large plan, one per line."""
    rows, cols = np.nonzero(plan > 1e-12 * plan.sum())  # not the solver's round-off
    lines = [f"{'from':>6} {'to':>6} {'mass':>12}" + (f" {'cost':>12}" if cost is not None else "")]
    for i, j in zip(rows, cols):
        lines.append(f"{'x' + str(i + 1):>6} {'y' + str(j + 1):>6} {plan[i, j]:12.6g}"
                     + (f" {cost[i, j]:12.6g}" if cost is not None else ""))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# The command


def _problem(args: argparse.Namespace):
    """(supply, demand, cost, points_a, points_b, power) from the arguments, checked."""
    from ..transport import ground_cost

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
    cost = ground_cost(points_a, points_b, args.metric or "euclidean", power)
    if supply is None and not args.assignment:
        supply, demand = np.full(len(points_a), 1.0 / len(points_a)), np.full(len(points_b), 1.0 / len(points_b))
    return supply, demand, cost, points_a, points_b, power


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


def run(args: argparse.Namespace) -> int:
    from ..transport import earth_movers_distance, monge_assignment

    if args.plot is not None and args.plot.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise WganError(f"--plot {args.plot}: expected a .png, .pdf or .svg file name")
    if args.plot is not None:
        make_folder(args.plot.parent)  # a missing folder is made, as by every command
    supply, demand, cost, points_a, points_b, power = _problem(args)
    points = points_a is not None
    if args.assignment:
        result = monge_assignment(cost)
        plan, u, v = result.plan, None, None
        supply = demand = np.ones(len(plan))
        report = {"cost": result.cost, "plan": plan.tolist(), "assignment": result.assignment.tolist()}
    else:
        result = earth_movers_distance(supply, demand, cost, normalize=args.normalize)
        plan, u, v = result.plan, result.u, result.v
        if args.normalize:
            supply, demand = supply / supply.sum(), demand / demand.sum()
        report = {"cost": result.cost, "plan": plan.tolist(), "u": u.tolist(), "v": v.tolist()}
    if points and not args.assignment:
        report["wasserstein"] = max(result.cost, 0.0) ** (1.0 / power)
    if args.json:
        print(json.dumps(report))
    else:
        print(_summary(args, result.cost, plan, points, power))
        n, m = plan.shape
        if n <= _MAX_TABLE_ROWS and m <= _MAX_TABLE_COLS:
            print("plan: mass moved from source x_i (row) to target y_j (column)"
                  + ("; dual potentials u, v: u_i + v_j <= C_ij, cost = supply.u + demand.v"
                     if u is not None else ""))
            print(format_plan(plan, supply, demand, u, v))
        else:
            print(f"plan: {n} x {m}, {int((plan > 1e-12 * plan.sum()).sum())} non-zero entries:")
            print(format_entries(plan, cost))
        if args.assignment:
            print("assignment: " + ", ".join(f"x{i + 1} -> y{j + 1}" for i, j in enumerate(result.assignment)))
    if args.plot is not None:
        from ..plots import plot_transport_plan, plot_transport_points

        title = f"{'Monge assignment' if args.assignment else 'optimal transport plan'}: cost {_fmt(result.cost)}"
        if points and points_a.shape[1] <= 2:
            plot_transport_points(points_a, points_b, plan, args.plot, title=title)
        else:
            plot_transport_plan(plan, args.plot, cost=cost, supply=supply, demand=demand, title=title)
        if not args.json:
            print(f"plot: {args.plot}")
    return 0


def _summary(args: argparse.Namespace, cost: float, plan: np.ndarray, points: bool, power: float) -> str:
    n, m = plan.shape
    if args.assignment:
        return f"assignment cost: {_fmt(cost)} ({n} units; {cost / n:.6g} per unit)"
    total = plan.sum()
    line = f"cost: {_fmt(cost)} (total mass {_fmt(total)}; {cost / total:.6g} per unit)"
    if points:
        p = _fmt(power)
        line = (f"W{p} = {max(cost, 0.0) ** (1.0 / power):.6g} ({args.metric or 'euclidean'} ground distance; "
                f"cost = sum plan * d^{p} = {cost:.6g})")
    return line
