"""A user's own point cloud from a file, split into training and held-out points.

One reader for every point file of the project (training data, `wgan emd --points-a/-b`):
`.npy` arrays, and text files (.csv, .txt, .tsv, .dat) with numbers separated by commas,
semicolons, tabs or any run of spaces, an optional header line and `#` comments. The
separator is read from the file, never from its suffix. `read_table` is the tokeniser
underneath, shared with the cost and mass files of `wgan emd`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError

POINT_SUFFIXES = (".npy", ".csv", ".txt", ".tsv", ".dat")
"""File name endings `read_points` accepts (and `load_data` takes as a point file)."""

_SEPARATOR_NAMES = {",": "comma-separated", ";": "semicolon-separated", "\t": "tab-separated",
                    " ": "whitespace-separated", None: "one number per line"}
_PLURAL = {",": "commas", ";": "semicolons", "\t": "tabs", " ": "spaces or tabs"}


# --------------------------------------------------------------------------------------
# Text tables: lines -> cells


@dataclass(frozen=True)
class TextTable:
    """A text file cut into cells, before any number is read.

    rows: (line number, cells) per data line, in file order, the header excluded.
    delimiter: ',' ';' '\\t', ' ' (any run of spaces and tabs), or None (one cell per line).
    header: the first line, when it was taken as a header (it holds no number); else None.
    """
    path: Path
    rows: list[tuple[int, list[str]]]
    delimiter: str | None
    header: str | None

    def where(self, number: int, column: int | None = None) -> str:
        """'FILE, line N' (', column K' with a column), for messages."""
        return f"{self.path}, line {number}" + (f", column {column}" if column is not None else "")

    def expected(self) -> str:
        """What the file's cells were split on, for messages: 'separated by commas, as on line 2'."""
        if self.delimiter is None:
            return "one number per line"
        return f"numbers separated by {_PLURAL[self.delimiter]}"


def _line_separator(text: str) -> str | None:
    """The separator one line uses: ';' or ',' when present, else tabs or spaces; None for one cell."""
    if ";" in text:
        return ";"
    if "," in text:
        return ","
    if len(text.split()) < 2:
        return None
    return "\t" if re.fullmatch(r"\S+(\t\S+)+", text) else " "


def _split(text: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return [text]
    if delimiter in " \t":
        return text.split()
    cells = [c.strip() for c in text.split(delimiter)]
    if '"' in text:  # a quoted cell ("1.5") is a cell, as in any CSV writer's output
        cells = [c[1:-1].strip() if len(c) >= 2 and c[0] == c[-1] == '"' else c for c in cells]
    return cells


def is_number(cell: str) -> bool:
    """Whether `cell` reads as a float (NaN and inf included)."""
    try:
        float(cell)
    except ValueError:
        return False
    return True


def read_table(path: str | Path, header_ok: bool = True, same_width: bool = True,
               kind: str = "file") -> TextTable:
    """Cut a text file into cells: one row per line, the separator detected from the file.

    Blank lines and '#' comments (whole lines or the end of a line) are skipped. The
    separator is that of the first data line with more than one cell: ';' or ',' when the
    line has one, else tabs or spaces (any amount). With header_ok, the first line is a
    header when none of its cells is a number (nor one with a decimal comma); any other
    line must be data. same_width: every row must have as many cells as the first. Raises
    DataError naming the file and line for a missing or unreadable file, an empty cell, a
    ragged row, or (comma and semicolon files) a header that does not name one column per
    number. `kind` names the file in messages ("data file", "cost file").
    """
    path = Path(path)
    lines = _data_lines(_read_text(path, kind))
    if not lines:
        return TextTable(path, [], None, None)
    delimiter = _detect_delimiter(lines)
    header_number = lines[0][0]
    header, lines = _take_header(lines, delimiter, header_ok)
    table = TextTable(path, [(n, _split(t, delimiter)) for n, t in lines], delimiter, header)
    _check_cells(table, same_width)
    if header is not None and delimiter in (",", ";") and table.rows:
        _check_header(table, header_number)
    return table


def _read_text(path: Path, kind: str) -> str:
    """The file's text (UTF-8, a byte-order mark dropped), or DataError for a missing,
    unreadable or binary file."""
    if not path.exists():
        raise DataError(f"{kind} {path} does not exist")
    if not path.is_file():
        raise DataError(f"{kind} {path} is not a file")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a text file (not UTF-8); expected numbers separated by "
                        f"commas, semicolons, tabs or spaces, or a .npy array") from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None


def _data_lines(text: str) -> list[tuple[int, str]]:
    """(line number, stripped text) for each line left after '#' comments and blank lines."""
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if line:
            lines.append((number, line))
    return lines


def _detect_delimiter(lines: list[tuple[int, str]]) -> str | None:
    """The separator of the table (see `TextTable.delimiter`) from its non-empty lines."""
    # The body decides the separator (a header may hold other characters); the first line
    # decides only when no other line has two cells.
    delimiter = next((s for s in map(_line_separator, (t for _, t in lines[1:] + lines[:1]))
                      if s is not None), None)
    if delimiter in (" ", "\t"):  # "tab-separated" when the data lines use tabs only
        multi = ([t for _, t in lines[1:] if len(t.split()) > 1]
                 or [t for _, t in lines if len(t.split()) > 1])
        delimiter = "\t" if all(re.fullmatch(r"\S+(\t\S+)+", t) for t in multi) else " "
    return delimiter


def _take_header(lines: list[tuple[int, str]], delimiter: str | None,
                 header_ok: bool) -> tuple[str | None, list[tuple[int, str]]]:
    """(header, data lines): the first line is a header when header_ok and it holds no number."""
    first_cells = _split(lines[0][1], delimiter if delimiter is not None else " ")
    # A header holds no number, not even one with a decimal comma ("1,5;2,5" is data).
    if header_ok and not any(is_number(c) or is_number(c.replace(",", ".")) for c in first_cells):
        return lines[0][1], lines[1:]
    return None, lines


def _check_cells(table: TextTable, same_width: bool) -> None:
    """DataError for an empty cell (comma and semicolon files) or, with same_width, a row
    whose width differs from the first row's."""
    if table.delimiter in (",", ";"):  # split on whitespace, no cell is empty
        for number, cells in table.rows:
            if "" in cells:
                raise DataError(f"{table.where(number, cells.index('') + 1)}: empty cell; expected "
                                f"{table.expected()} (fill in the value or delete the row)")
    if same_width and table.rows:
        first = len(table.rows[0][1])
        for number, cells in table.rows:
            if len(cells) != first:
                raise DataError(f"{table.where(number)}: {len(cells)} columns, but the first row has {first}")


def _check_header(table: TextTable, header_number: int) -> None:
    """DataError unless the header of a comma or semicolon table names one column per number."""
    names = _split(table.header, table.delimiter)
    if not names[0] and len(names) > 1:
        raise DataError(f"{table.where(header_number)}: the header's "
                        f"first column has no name, as pandas' to_csv writes for its row index; "
                        f"write the file with index=False (or delete the first column)")
    if len(names) != len(table.rows[0][1]):
        raise DataError(f"{table.where(header_number)}: the header names {len(names)} columns "
                        f"but line {table.rows[0][0]} has {len(table.rows[0][1])} numbers")


# --------------------------------------------------------------------------------------
# Point files


@dataclass(frozen=True)
class PointFile:
    """Points read from a file and the format seen there.

    points: (n, d) float64. format: "npy" or "text". delimiter: as `TextTable.delimiter`
    (None for .npy and for one-column text). header: the header line or None.
    """
    path: Path
    points: np.ndarray = field(repr=False)
    format: str
    delimiter: str | None = None
    header: str | None = None

    def describe(self) -> str:
        """The format in words: 'comma-separated, with a header line', 'NumPy .npy array'."""
        if self.format == "npy":
            return "NumPy .npy array"
        return f"{_SEPARATOR_NAMES[self.delimiter]}, {'with a header line' if self.header is not None else 'no header'}"

    def summary(self) -> str:
        """One line for the user: 'data: p.txt, 500 points in 1-D (one number per line, no header)'."""
        n, d = self.points.shape
        return f"data: {self.path}, {n} point{'s' if n != 1 else ''} in {d}-D ({self.describe()})"


def read_point_file(path: str | Path, min_points: int = 4, kind: str = "data file") -> PointFile:
    """Read an (n, d) point set from .npy or a text file (see `read_table`), with its format.

    One row per point, one column per dimension; a 1-D .npy array is n points in 1-D.
    Raises DataError for a missing file, another suffix, a ragged row, a cell that is not
    a number, a NaN or infinite value, or fewer than `min_points` points.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise DataError(f"{kind} {path} does not exist")
    if suffix not in POINT_SUFFIXES:
        raise DataError(f"{kind} {path}: expected a .npy or .csv / .txt / .tsv / .dat file of points, "
                        f"got '{suffix or 'no suffix'}'")
    if suffix == ".npy":
        result = PointFile(path, _read_npy(path), "npy")
    else:
        result = _read_text_points(path, kind)
    n = len(result.points)
    if n < min_points:
        raise DataError(f"{path}: needs at least {min_points} point{'s' if min_points != 1 else ''}, got {n}")
    return result


def _read_npy(path: Path) -> np.ndarray:
    try:
        points = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise DataError(f"cannot read {path} as a .npy array: {exc}") from None
    if not isinstance(points, np.ndarray):
        raise DataError(f"{path}: expected one array saved with np.save, got {type(points).__name__}")
    if points.dtype.kind not in "iuf":
        raise DataError(f"{path}: expected numbers, got an array of dtype {points.dtype}")
    if points.ndim == 1:
        points = points[:, None]
    if points.ndim != 2:
        raise DataError(f"{path}: expected an (n, d) array of points, got shape {points.shape}")
    if not np.isfinite(points).all():
        row, col = (int(i) for i in np.argwhere(~np.isfinite(points))[0])
        raise DataError(f"{path}: points[{row}, {col}] is {points[row, col]}, a NaN or infinite value; "
                        f"every value must be a finite number")
    return points.astype(np.float64)


# Bytes of a text point file read to detect its separator and header before the fast read.
_HEAD_BYTES = 1 << 16


def _read_numbers_fast(path: Path) -> PointFile | None:
    """The points of a well-formed text file, parsed by np.loadtxt (numbers held as float64,
    never as Python text: 1M x 2 points in ~16 MiB, not ~0.5 GiB), with the separator and
    header detected from its head as `read_table` does; None for anything else (ragged rows,
    empty cells, words, NaN...), which the careful reader then reports line by line."""
    import warnings

    try:
        with path.open("rb") as f:
            head = f.read(_HEAD_BYTES)
        head = head.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    lines = _data_lines(head[:head.rfind("\n") + 1] if len(head) == _HEAD_BYTES and "\n" in head else head)
    if not lines:
        return None
    delimiter = _detect_delimiter(lines)
    header, body = _take_header(lines, delimiter, True)
    if header is not None and delimiter in (",", ";") and body:
        _check_header(TextTable(path, [(n, _split(t, delimiter)) for n, t in body[:50]], delimiter, header),
                      lines[0][0])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = np.loadtxt(path, dtype=np.float64, delimiter=delimiter if delimiter in (",", ";") else None,
                                skiprows=lines[0][0] if header is not None else 0, comments="#",
                                quotechar='"', encoding="utf-8-sig", ndmin=2)
    except (ValueError, OSError, UnicodeDecodeError):
        return None
    if values.size == 0 or not np.isfinite(values).all():
        return None
    return PointFile(path, values, "text", delimiter if values.shape[1] > 1 else None, header)


def _read_text_points(path: Path, kind: str) -> PointFile:
    if path.is_file():
        fast = _read_numbers_fast(path)
        if fast is not None:
            return fast
    table = read_table(path, header_ok=True, kind=kind)
    if not table.rows:
        raise DataError(f"{path}: no rows of numbers; expected one point per line, "
                        f"numbers separated by commas, semicolons, tabs or spaces")
    try:
        values = np.array([[float(c) for c in cells] for _, cells in table.rows], dtype=np.float64)
    except ValueError:
        number, k, cell = next((number, k, cell) for number, cells in table.rows
                               for k, cell in enumerate(cells, start=1) if not is_number(cell))
        hint = "; decimal commas are not read: write 1.5, not 1,5" if table.delimiter == ";" and "," in cell else ""
        raise DataError(f"{table.where(number, k)}: {cell[:40]!r} is not a number; "
                        f"expected {table.expected()}{hint}") from None
    if not np.isfinite(values).all():
        i, k = (int(j) for j in np.argwhere(~np.isfinite(values))[0])
        raise DataError(f"{table.where(table.rows[i][0], k + 1)}: {table.rows[i][1][k]!r} is a NaN or "
                        f"infinite value; every value must be a finite number (fill it in or delete the row)")
    return PointFile(path, values, "text", table.delimiter if values.shape[1] > 1 else None, table.header)


def read_points(path: str | Path) -> np.ndarray:
    """Read an (n, d) float32 array of at least 4 points from a point file (`read_point_file`)."""
    return read_point_file(path).points.astype(np.float32)


def point_file_summary(path: str | Path) -> str:
    """'data: p.txt, 500 points in 1-D (one number per line, no header)' for a point file."""
    return read_point_file(path).summary()


# --------------------------------------------------------------------------------------
# Point clouds


@dataclass(frozen=True)
class PointCloud:
    """A finite sample: training draws (with replacement) from one part, evaluation from the rest."""
    name: str
    train: np.ndarray
    holdout: np.ndarray
    mixture: None = None
    summary: str = ""  # what the reader saw: 'data: p.txt, 500 points in 1-D (...)'
    standardization: Any = None  # a data.standardize.Standardization when train/holdout are standardised

    @property
    def shape(self) -> tuple[int]:
        return (self.train.shape[1],)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.train[rng.integers(len(self.train), size=n)]

    def heldout(self, n: int, rng: np.random.Generator) -> np.ndarray:
        n = min(n, len(self.holdout))
        return self.holdout[rng.choice(len(self.holdout), size=n, replace=False)]


def load_point_cloud(path: str | Path, holdout_fraction: float, seed: int) -> PointCloud:
    """Read `path` and split off a seeded, random `holdout_fraction` of its points."""
    file = read_point_file(path)
    points = file.points.astype(np.float32)
    order = np.random.default_rng(seed).permutation(len(points))
    n_holdout = max(2, int(round(holdout_fraction * len(points))))
    return PointCloud(Path(path).stem, points[order[n_holdout:]], points[order[:n_holdout]], summary=file.summary())
