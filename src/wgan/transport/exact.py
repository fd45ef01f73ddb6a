"""Exact optimal transport: the Earth Mover's distance by POT's network simplex (Bonneel et
al. 2011), never stopped early in silence, and the Monge assignment (Kuhn 1955)."""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ..errors import WganError
from .inputs import check_balance, check_cost, check_masses

# Total masses that POT's network simplex handles as given (measured; see _network_simplex).
_SAFE_TOTALS = (1e-100, 1e6)
# Largest cost below which the simplex is given the cost matrix divided by its maximum.
_SMALL_COST = 1e-2
# POT releases whose compiled sparse simplex (ot.lp.emd_wrap.emd_c_sparse, behind ot.emd) was
# checked to take starting potentials: [first, last], by (major, minor, micro). ot.emd takes a
# sparse cost from 0.9.7 but drops potentials_init for it; outside this range, and where the
# routine is missing, sparse solves start from scratch through ot.emd (about 2x slower on
# sparse_wasserstein's certification rounds, the same optimum).
_WARM_START_POT = ((0, 9, 7), (0, 9, 7))


class TransportWarning(UserWarning):
    """A solver stopped before it converged: the value it returned may be off."""


@dataclass(frozen=True)
class TransportResult:
    """The solution of a Kantorovich problem with masses a (n,), b (m,) and cost C (n, m).

    cost: sum_ij plan_ij C_ij. plan: (n, m), row sums a and column sums b.
    u (n,), v (m,): optimal dual potentials (Kantorovich duality, the "prices" of the
    the bakeries example): u_i + v_j <= C_ij for all i, j and cost = a @ u + b @ v.
    """
    cost: float
    plan: np.ndarray
    u: np.ndarray
    v: np.ndarray


@dataclass(frozen=True)
class AssignmentResult:
    """The solution of a Monge problem with an (n, n) cost C and one unit of mass per row
    and per column: row i goes to column assignment[i]; cost = sum_i C[i, assignment[i]]."""
    cost: float
    assignment: np.ndarray

    @property
    def plan(self) -> np.ndarray:
        """The (n, n) permutation matrix of the assignment."""
        n = len(self.assignment)
        plan = np.zeros((n, n))
        plan[np.arange(n), self.assignment] = 1.0
        return plan


def exact_solver_iterations(n: int, m: int) -> int:
    """An iteration cap for the network simplex that an optimal solve never reaches.

    POT's default of 100,000 stops early from n ~ 5,000 (1.7% too high at 10,000).
    """
    return int(max(10_000_000, 50 * n * m))


def _network_simplex(supply: np.ndarray, demand: np.ndarray, cost, max_iter: int | None,
                     warm: tuple[np.ndarray, np.ndarray] | None = None) -> tuple:
    """ot.emd on checked inputs; POT's own warning becomes a TransportWarning.

    `cost` is a dense (n, m) array, or a scipy.sparse (n, m) matrix whose stored entries are
    the only pairs allowed to carry mass (POT's sparse network simplex; the plan then comes
    back as a COO matrix). `warm` = (u, v): dual potentials to start the sparse simplex from.
    Returns (plan, cost, u, v).
    """
    import ot
    import scipy.sparse

    sparse = scipy.sparse.issparse(cost)
    if sparse:
        cost = scipy.sparse.coo_array(cost)
    cap = exact_solver_iterations(*cost.shape) if max_iter is None else int(max_iter)
    # POT 0.9.7's simplex reports totals from ~1e8 up "infeasible" and crashes on totals
    # near 1e-200: outside a safe range, solve for total mass 1 and scale the plan and the
    # cost back (the potentials do not change). Inside it, solve as given (exact integers).
    total = float(supply.sum())
    rescale = not _SAFE_TOTALS[0] <= total <= _SAFE_TOTALS[1]
    if rescale:
        supply, demand = supply / total, demand / total
    # Its optimality test compares reduced costs with an absolute epsilon: costs of 1e-10
    # and below come back wrong (and "optimal"). Small costs are solved at unit scale.
    values = cost.data if sparse else cost
    unit = float(values.max()) if values.size else 0.0
    small = 0.0 < unit < _SMALL_COST
    if small:
        values = values / unit
        warm = None if warm is None else (warm[0] / unit, warm[1] / unit)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="numItermax reached", category=UserWarning)
        if sparse:
            plan, log = _sparse_simplex(supply, demand, cost.row, cost.col, values, cost.shape, cap, warm)
        else:
            plan, log = ot.emd(supply, demand, values, numItermax=cap, log=True, check_marginals=False)
    if rescale:
        plan = plan * total
        log["cost"] *= total
    if small:
        log["cost"], log["u"], log["v"] = log["cost"] * unit, log["u"] * unit, log["v"] * unit
    code = int(log["result_code"])
    if code == 3:
        warnings.warn(f"the exact transport solver reached its iteration cap ({cap:,}) before "
                      f"proving optimality: the plan and its cost are not the optimum, and the plan "
                      f"may not carry all the mass (raise max_iter)",
                      TransportWarning, stacklevel=3)
    elif code != 1:
        raise WganError(f"the exact transport solver failed: {log['warning']}")
    return plan, float(log["cost"]), np.asarray(log["u"]), np.asarray(log["v"])


def _release(version: str) -> tuple[int, ...]:
    """'0.9.7.post1' -> (0, 9, 7): the release numbers a version string starts with."""
    import re

    match = re.match(r"(\d+)\.(\d+)\.(\d+)", version)
    return tuple(int(g) for g in match.groups()) if match else ()


def warm_start_solver():
    """POT's compiled sparse simplex that starts from given potentials, where this POT is one of
    _WARM_START_POT and has it; None otherwise (sparse solves then go through ot.emd)."""
    import ot

    if not _WARM_START_POT[0] <= _release(ot.__version__)[:3] <= _WARM_START_POT[1]:
        return None
    try:
        from ot.lp import emd_wrap
    except ImportError:
        return None
    return getattr(emd_wrap, "emd_c_sparse", None)


def _sparse_simplex(supply, demand, rows, cols, values, shape, cap, warm):
    """POT's network simplex on the pairs (rows[e], cols[e]) with costs values[e] only.

    ot.emd on a COO cost matrix (POT >= 0.9.7), which drops `potentials_init` on that path; to
    start from `warm` potentials, the routine behind it, where `warm_start_solver` vouches for it.
    """
    import ot
    import scipy.sparse

    if _release(ot.__version__) < (0, 9, 7):
        raise WganError(f"POT {ot.__version__} is installed, but the sparse exact solver needs POT >= 0.9.7 "
                        "(sparse cost matrices in ot.emd): pip install 'pot>=0.9.7'")
    solver = warm_start_solver() if warm is not None else None
    if solver is None:
        matrix = scipy.sparse.coo_array((values, (rows, cols)), shape=shape)
        plan, log = ot.emd(supply, demand, matrix, numItermax=cap, log=True, check_marginals=False)
        return scipy.sparse.coo_array(plan), log
    demand = demand * (supply.sum() / demand.sum())  # as ot.emd: totals equal to the last bit
    args = [np.ascontiguousarray(supply, dtype=np.float64), np.ascontiguousarray(demand, dtype=np.float64),
            np.ascontiguousarray(rows, dtype=np.uint64), np.ascontiguousarray(cols, dtype=np.uint64),
            np.ascontiguousarray(values, dtype=np.float64), int(cap),
            np.ascontiguousarray(warm[0], dtype=np.float64), np.ascontiguousarray(warm[1], dtype=np.float64)]
    flow_rows, flow_cols, flows, value, u, v, code = solver(*args)
    # Potentials are unique up to u + s, v - s, and its tree leaves them offset by a constant
    # that grows from one warm start to the next (4e3 for costs of 1 after five solves): each
    # digit of offset is a digit of lost precision. Centre them: a.u = b.v.
    shift = 0.5 * (float(args[0] @ u) - float(args[1] @ v))
    u, v = u - shift, v + shift
    plan = scipy.sparse.coo_array((flows, (flow_rows.astype(np.int64), flow_cols.astype(np.int64))), shape=shape)
    return plan, {"cost": float(value), "u": np.asarray(u), "v": np.asarray(v), "result_code": int(code),
                  "warning": _SIMPLEX_RESULTS.get(int(code), f"result code {int(code)}")}


# The network simplex's result codes other than optimal (1) and iteration cap (3).
_SIMPLEX_RESULTS = {0: "problem infeasible: check that the masses balance", 2: "problem unbounded"}


def earth_movers_distance(supply, demand, cost, normalize: bool = False,
                          max_iter: int | None = None) -> TransportResult:
    """The exact optimal transport of `supply` (n,) onto `demand` (m,) under `cost` (n, m).

    Returns a TransportResult: the minimal total cost sum_ij plan_ij cost_ij, the plan (n, m)
    and the dual potentials u (n,), v (m,) (Kantorovich 1942; Rubner et al. 2000). Masses
    must be finite, >= 0 and balance (equal totals, to 1e-9 relative); with normalize=True
    each side is scaled to total 1 first, and the cost is then per unit of mass. Costs must
    be finite and >= 0. Solved by POT's network simplex (`ot.emd`) with an iteration cap
    that an optimal solve does not reach (`exact_solver_iterations`); if it is reached
    anyway a TransportWarning says so. Raises WganError for bad input, naming the value.
    """
    supply, demand = check_masses(supply, "supply"), check_masses(demand, "demand")
    cost = check_cost(cost, (len(supply), len(demand)))
    if normalize:
        supply, demand = supply / supply.sum(), demand / demand.sum()
    else:
        check_balance(supply, demand)
    plan, value, u, v = _network_simplex(supply, demand, cost, max_iter)
    return TransportResult(cost=value, plan=plan, u=u, v=v)


def monge_assignment(cost) -> AssignmentResult:
    """The optimal permutation for n unit masses onto n unit masses under `cost` (n, n).

    Monge's problem min_sigma sum_i cost[i, sigma(i)] (Monge 1781), solved as an assignment
    problem (Kuhn 1955; Crouse 2016, scipy.optimize.linear_sum_assignment). By Birkhoff's
    theorem its cost equals the Kantorovich cost with all masses 1. The cost is a total,
    not an average. Raises WganError for a non-square, NaN/inf or negative cost.
    """
    from scipy.optimize import linear_sum_assignment

    cost = check_cost(cost)
    n, m = cost.shape
    if n != m:
        raise WganError(f"the assignment (Monge) problem needs as many supply points as demand points, "
                        f"got a {n} x {m} cost matrix; solve the Kantorovich problem instead "
                        f"(earth_movers_distance, or wgan emd without --assignment)")
    rows, cols = linear_sum_assignment(cost)
    return AssignmentResult(cost=float(cost[rows, cols].sum()), assignment=cols.astype(np.int64))
