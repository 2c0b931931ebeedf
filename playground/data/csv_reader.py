"""Reading a CSV file into a :class:`~playground.data.table.FileTable`, with errors that point
at the exact cell to fix.

The rules, in the order they are applied:

1. **Text.** The file must be UTF-8 (a byte-order mark is allowed and dropped). Lines that are
   empty or hold only spaces are skipped wherever they are, so trailing blank lines are fine.
2. **Delimiter.** Tab, semicolon or comma — the first of these, in that order, that occurs in
   the first line and splits the first lines (up to 20) into the same number (≥ 2) of cells.
   Failing that, the one giving the most cells in the first line. Semicolon files may use a
   decimal comma (``1,5``), as spreadsheets in many countries write them.
3. **Shape.** Every row must have as many cells as the first one ("line 7 has 4 cells,
   expected 5"). Cells are stripped of surrounding spaces.
4. **Header.** The first row is a header when all its cells are non-numeric, or when one of its
   cells is non-numeric in a column whose other rows are all numbers. Without a header the
   columns are called ``col1 … colN``. Header names must be unique.
5. **Target.** ``target`` is a column name or a 0-based index (negative counts from the end,
   so ``-1`` is the last column, the default), or a list of them: several target columns are
   a regression with one output per column. All other columns are features.
6. **Task.** Given, or inferred: a target with any non-numeric cell is classification; one
   whose values are all whole numbers with at most 20 distinct values is classification;
   anything else is regression. Class labels are numbered in sorted order.
7. **Values.** Every feature cell must be a finite number; empty cells, ``NaN`` and ``inf``
   are rejected everywhere (this program does not guess missing values).

Errors are :class:`~playground.errors.DataError` with the file, the 1-based line and the column
(1-based position and name), e.g. ``iris.csv, line 12, column 3 ('petal_length'): 'abc' is not
a number``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import numpy as np

from .table import (TASKS, FileTable, column_label, encode_labels, infer_task,
                    read_file_bytes, read_file_head)
from playground.errors import DataError
from playground.files.limits import csv_error_text

__all__ = ["read_csv", "parse_number", "detect_delimiter", "DELIMITERS"]

DELIMITERS = ("\t", ";", ",")
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+(?:[eE][+-]?\d+)?")
_SNIFF_LINES = 20


def parse_number(cell: str, decimal_comma: bool = False) -> float | None:
    """The number in ``cell`` (already stripped), or ``None`` when it is not a number.

    ``nan`` and ``inf`` parse (as in Python) so the caller can reject them by name.
    """
    if not cell:
        return None
    try:
        return float(cell)
    except ValueError:
        pass
    if decimal_comma and _DECIMAL_COMMA.fullmatch(cell):
        return float(cell.replace(",", "."))
    return None


def _decode(data: bytes, display: str) -> str:
    if b"\x00" in data:
        line = data[:data.index(b"\x00")].count(b"\n") + 1
        raise DataError("is not a text file (it contains NUL bytes); expected UTF-8 CSV text",
                        file=display, line=line)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise DataError(
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8 CSV", file=display, line=line) from exc


def detect_delimiter(lines: list[str]) -> str:
    """Pick the delimiter of a CSV from its first non-blank lines (see rule 2 above)."""
    sample = lines[:_SNIFF_LINES]
    for delimiter in DELIMITERS:
        if delimiter not in sample[0]:
            continue
        counts = {len(row) for row in csv.reader(sample, delimiter=delimiter)}
        if len(counts) == 1 and counts.pop() >= 2:
            return delimiter
    widths = {d: len(next(csv.reader(sample[:1], delimiter=d))) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (widths[d], d == ","))
    return best if widths[best] > 1 else ","


def _read_rows(text: str, delimiter: str, display: str) -> list[tuple[int, list[str]]]:
    """``(line number, stripped cells)`` for every non-blank row."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise DataError(csv_error_text(exc), file=display,
                            line=reader.line_num or line) from exc
        cells = [cell.strip() for cell in cells]
        if not any(cells) and len(cells) <= 1:
            continue
        rows.append((line, cells))
    return rows


def _has_header(rows: list[tuple[int, list[str]]], decimal_comma: bool) -> bool:
    first = rows[0][1]
    numeric = [parse_number(cell, decimal_comma) is not None for cell in first]
    if not any(numeric):
        return True
    rest = rows[1:]
    if not rest:
        return False
    for j, is_numeric in enumerate(numeric):
        if not is_numeric and all(parse_number(cells[j], decimal_comma) is not None
                                  for _, cells in rest):
            return True
    return False


def _column_names(header: list[str] | None, width: int, line: int, display: str
                  ) -> tuple[str, ...]:
    if header is None:
        return tuple(f"col{j + 1}" for j in range(width))
    names = tuple(name if name else f"col{j + 1}" for j, name in enumerate(header))
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        if name in seen:
            raise DataError(f"the header repeats the column name {name!r} (also column "
                            f"{seen[name] + 1}); column names must be unique",
                            file=display, line=line, column=column_label(j, name))
        seen[name] = j
    return names


def _resolve_target(target: str | int | None, names: tuple[str, ...], display: str) -> int:
    if target is None:
        return len(names) - 1
    if isinstance(target, bool) or not isinstance(target, (int, str)):
        raise DataError(f"target must be a column name or an index, not {target!r}",
                        file=display)
    if isinstance(target, int):
        if not -len(names) <= target < len(names):
            raise DataError(
                f"target column index {target} is out of range: the file has {len(names)} "
                f"columns, so use 0..{len(names) - 1} or -{len(names)}..-1", file=display)
        return target % len(names)
    if target not in names:
        raise DataError(f"target column {target!r} not found; the columns are: "
                        + ", ".join(repr(n) for n in names), file=display)
    return names.index(target)


def _bad_cell(cell: str, value: float | None) -> str | None:
    """Why a cell cannot be a feature value, or ``None`` when it is fine."""
    if not cell:
        return "empty cell; every feature needs a number (missing values are not supported)"
    if value is None:
        return f"{cell!r} is not a number"
    if math.isnan(value):
        return f"{cell!r} (NaN) is not allowed; every value must be a finite number"
    if math.isinf(value):
        return f"{cell!r} (infinite) is not allowed; every value must be a finite number"
    return None


def _target_values(rows, t: int, name: str, task: str | None, decimal_comma: bool,
                   display: str) -> tuple[str, bool, np.ndarray]:
    """Check the target column; return ``(task, inferred, values)``.

    ``values`` are floats when every target cell is a number, else the cell strings.
    """
    column = column_label(t, name)
    numbers: list[float] = []
    first_text: tuple[int, str] | None = None
    for line, cells in rows:
        cell = cells[t]
        value = parse_number(cell, decimal_comma)
        if not cell:
            raise DataError("empty cell in the target column", file=display, line=line,
                            column=column)
        if value is None:
            if first_text is None:
                first_text = (line, cell)
            continue
        problem = _bad_cell(cell, value)
        if problem:
            raise DataError(problem, file=display, line=line, column=column)
        numbers.append(value)
    if first_text is not None:
        if task == "regression":
            line, cell = first_text
            raise DataError(f"{cell!r} is not a number, but a regression target must be "
                            "numeric (or set task to classification)", file=display,
                            line=line, column=column)
        return "classification", task is None, np.array([cells[t] for _, cells in rows])
    values = np.array(numbers, dtype=np.float64)
    if task is not None:
        return task, False, values
    return infer_task(values), True, values


def _target_columns(target, names: tuple[str, ...], display: str) -> list[int]:
    """The target's column indices: one, or several for a list (several outputs)."""
    columns = [_resolve_target(t, names, display)
               for t in (target if isinstance(target, list) else [target])]
    for i, t in enumerate(columns):
        if t in columns[:i]:
            raise DataError(f"target names column {column_label(t, names[t])} twice",
                            file=display)
    if len(columns) >= len(names):
        raise DataError("every column is a target; at least one must be left as a feature",
                        file=display)
    return columns


def _several_targets(rows, columns: list[int], names, task, decimal_comma, display
                     ) -> np.ndarray:
    """The ``(n, t)`` values of several target columns: a regression with t outputs."""
    if task == "classification":
        raise DataError("several target columns make a regression task (one output per "
                        "column); a class label is a single column", file=display)
    return np.column_stack([
        _target_values(rows, t, names[t], "regression", decimal_comma, display)[2]
        for t in columns])


def read_csv(path: Path, *, display: str | None = None,
             target: str | int | list | None = None,
             task: str | None = None, keep_rows: int = 8,
             head_bytes: int | None = None) -> FileTable:
    """Parse and check the CSV file at ``path`` (see the module docstring for every rule).

    ``display`` is how errors name the file (default: the path as given). ``keep_rows`` rows
    are kept as text for a preview. With ``head_bytes`` only the first lines, up to that
    many bytes, are read and checked (a preview of a big file; ``complete`` says whether that
    was all of it).
    """
    display = str(path) if display is None else display
    if task is not None and task not in TASKS:
        raise DataError(f"task must be one of {', '.join(TASKS)} or null, not {task!r}",
                        file=display)
    if head_bytes is None:
        data, complete = read_file_bytes(Path(path), display), True
    else:
        data, complete = read_file_head(Path(path), display, head_bytes)
    text = _decode(data, display)
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise DataError("the file is empty; expected a table of numbers with a target column",
                        file=display)
    try:
        delimiter = detect_delimiter(lines)
    except csv.Error as exc:
        raise DataError(csv_error_text(exc), file=display) from None
    decimal_comma = delimiter == ";"
    rows = _read_rows(text, delimiter, display)
    if not rows:        # e.g. only quote characters: the lines are not blank, the cells are
        raise DataError("has no cells with values; expected a table of numbers with a "
                        "target column", file=display)
    width = len(rows[0][1])
    for line, cells in rows[1:]:
        if len(cells) != width:
            raise DataError(f"has {len(cells)} cells, expected {width} like line {rows[0][0]}",
                            file=display, line=line)
    if width < 2:
        raise DataError("has only one column; a data file needs at least one feature column "
                        "and a target column, separated by commas, semicolons or tabs",
                        file=display)
    header = _has_header(rows, decimal_comma)
    names = _column_names(rows[0][1] if header else None, width, rows[0][0], display)
    data_rows = rows[1:] if header else rows
    if not data_rows:
        raise DataError("has a header row but no data rows", file=display)
    columns = _target_columns(target, names, display)
    t = columns[0]
    if len(columns) > 1:
        inferred = task is None
        values = _several_targets(data_rows, columns, names, task, decimal_comma, display)
        task = "regression"
    else:
        task, inferred, values = _target_values(data_rows, t, names[t], task, decimal_comma,
                                                display)
    feature_idx = [j for j in range(width) if j not in columns]
    X = np.empty((len(data_rows), len(feature_idx)), dtype=np.float64)
    for i, (line, cells) in enumerate(data_rows):
        for k, j in enumerate(feature_idx):
            value = parse_number(cells[j], decimal_comma)
            problem = _bad_cell(cells[j], value)
            if problem:
                raise DataError(problem, file=display, line=line,
                                column=column_label(j, names[j]))
            X[i, k] = value
    if task == "classification":
        y, class_names = encode_labels(values, display=display,
                                       column=column_label(t, names[t]))
    else:
        y, class_names = values.reshape(len(data_rows), -1), ()
    return FileTable(
        path=display, columns=names,
        rows=tuple(tuple(cells) for _, cells in data_rows[:keep_rows]),
        n_rows=len(data_rows), X=X, y=y, task=task, task_inferred=inferred,
        feature_names=tuple(names[j] for j in feature_idx),
        target_names=tuple(names[j] for j in columns), class_names=class_names,
        target_column=", ".join(names[j] for j in columns), complete=complete)
