"""Block sizes for the metrics that would not fit as one (n, m) matrix (PRDC, Parzen)."""
from __future__ import annotations

# Entries per block of a distance matrix (64 MB in float64).
_BLOCK_ELEMENTS = 1 << 23


def _rows_per_block(columns: int, budget: int) -> int:
    """How many rows of `columns` entries fit in `budget` entries (at least one)."""
    return max(1, budget // max(1, columns))
