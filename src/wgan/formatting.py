"""The one formatter of numbers in what wgan prints: significant digits, not fixed decimals.

    significant(1.3796)   -> "1.38"       significant(1234.5)   -> "1234"
    significant(0.01234)  -> "0.0123"     significant(1.234e-5) -> "1.23e-05"
    significant(13.0)     -> "13.0"       significant(0.0)      -> "0"

A weight-clipped critic's estimate of ~1e-5 reads "1.23e-05", not "0.0000".
"""
from __future__ import annotations


def significant(value: float, digits: int = 3) -> str:
    """`value` with `digits` significant digits (trailing zeros kept: they are digits); numbers
    of more integer digits keep them all, magnitudes below 1e-4 use an exponent."""
    if value == 0:
        return "0"
    text = f"{float(value):#.{digits}g}"
    return f"{float(value):.0f}" if "e+" in text else text.rstrip(".")


def duration(seconds: float) -> str:
    """A wall-clock span as people read it: "42 s", "3 min 05 s", "2 h 07 min"."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
