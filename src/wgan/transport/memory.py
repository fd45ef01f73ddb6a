"""Memory of an exact transport solve, estimated before it starts, against the memory this
process can still take; a solve that cannot fit is refused in one line with the numbers.

Estimates are per pair (n * m) for the dense solvers and per point (n + m) for the sparse
one, measured on this project's benchmarks (benchmarks/transport_bench.py): POT's dense
network simplex held 4.13 GiB at 10,000 points a side (the float64 cost matrix, the
simplex's arcs, the plan: ~44 bytes a pair); scipy's linear_sum_assignment 1.80 GiB
(~19 bytes a pair); the certified sparse solver under 1 GiB at 20,000 points a side.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import WganError

# Bytes per pair (dense) or per point (sparse), measured (module docstring), rounded up.
_DENSE_SIMPLEX_PER_PAIR = 48
_ASSIGNMENT_PER_PAIR = 20
_SPARSE_PER_POINT = 12_000
# What the interpreter, numpy, scipy and POT hold besides the solve.
_OVERHEAD = 300 * 2 ** 20
# Share of the available memory a solve may plan to use (the rest for everything else).
_USABLE = 0.9

ALTERNATIVES = ("the certified sparse solver (--solver sparse; solver=\"sparse\")",
                "entropic Sinkhorn (wgan.transport.sinkhorn, biased by its regularisation)",
                "sliced W1 (wgan.transport.sliced_wasserstein, a lower bound)",
                "fewer points")


def _meminfo_available(path: str = "/proc/meminfo") -> int | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None  # "max": no limit


def _cgroup_room(root: str = "/sys/fs/cgroup") -> int | None:
    """The cgroup's limit minus its usage (cgroup v2, else v1), or None without a limit."""
    base = Path(root)
    for limit_name, usage_name in (("memory.max", "memory.current"),
                                   ("memory/memory.limit_in_bytes", "memory/memory.usage_in_bytes")):
        limit, usage = _read_int(base / limit_name), _read_int(base / usage_name)
        if limit is not None and usage is not None and limit < 2 ** 60:
            return max(limit - usage, 0)
    return None


def available_bytes() -> int | None:
    """Memory this process can still take: the least of /proc/meminfo's MemAvailable and the
    cgroup's limit minus usage; None where neither is known."""
    known = [b for b in (_meminfo_available(), _cgroup_room()) if b is not None]
    return min(known) if known else None


def estimate_bytes(solver: str, n: int, m: int) -> int:
    """Peak memory of an exact solve of n x m points by `solver` ('simplex', 'assignment',
    'sparse'), the interpreter's share included."""
    if solver == "sparse":
        return _OVERHEAD + _SPARSE_PER_POINT * (n + m)
    per_pair = _ASSIGNMENT_PER_PAIR if solver == "assignment" else _DENSE_SIMPLEX_PER_PAIR
    return _OVERHEAD + per_pair * n * m


def gib(nbytes: float) -> str:
    """'4.1 GiB' (or '512 MiB' below 1 GiB)."""
    return f"{nbytes / 2 ** 30:.1f} GiB" if nbytes >= 2 ** 30 else f"{nbytes / 2 ** 20:.0f} MiB"


def check_fits(solver: str, n: int, m: int, available: int | None = None) -> None:
    """Raise WganError, one line with the memory needed and available and the alternatives,
    when the exact solve cannot fit; `available` defaults to `available_bytes()`."""
    available = available_bytes() if available is None else available
    if available is None:
        return
    need = estimate_bytes(solver, n, m)
    if need <= _USABLE * available:
        return
    names = {"simplex": "the dense network simplex", "assignment": "the assignment solver",
             "sparse": "the sparse solver"}
    others = [a for a in ALTERNATIVES if not (solver == "sparse" and a.startswith("the certified"))]
    if solver == "assignment":  # the same optimum per unit for two uniform sets of one size
        others[0] = others[0].replace("(--solver sparse", "(wgan emd without --assignment, --solver sparse")
    raise WganError(f"exact transport of {n:,} x {m:,} points by {names.get(solver, solver)} needs about "
                    f"{gib(need)} of memory, {gib(available)} is available: use " + ", ".join(others[:-1])
                    + f" or {others[-1]}")

