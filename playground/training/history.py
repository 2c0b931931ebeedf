"""The per-epoch record of a run: the rows of ``history.csv``, and the weights set by hand.

Columns (the saved-run contract): ``epoch, train_loss, val_loss, train_accuracy,
val_accuracy, learning_rate``; regression runs add ``train_r2, val_r2``. A value that does not
apply (no validation set, accuracy of a regression) is written as an empty cell and read back
as NaN. Rows are kept in fixed-size NumPy blocks of BLOCK_ROWS rows (8 bytes per value, about
256 kB per block): appending never copies what is stored, and memory grows by one small block at
a time, in step with the run, instead of jumping by a doubling (a million epochs ≈ 64 MB).
"""

from __future__ import annotations

import csv
import io
import math

import numpy as np

from playground.errors import RunFileError
from playground.files.limits import csv_error_text

COLUMNS = ("epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy",
           "learning_rate", "train_r2", "val_r2")
REQUIRED_COLUMNS = COLUMNS[:6]
BLOCK_ROWS = 4096


class History:
    def __init__(self):
        self._blocks: list[np.ndarray] = []     # each (len(COLUMNS), BLOCK_ROWS)
        self._n = 0
        #: weights set by hand during the run, in order: ``{"epoch", "iteration",
        #: "parameter" (e.g. "W0[1, 2]"), "old", "new"}`` (saved in the run's state.json)
        self.edits: list[dict] = []

    def __len__(self) -> int:
        return self._n

    def append(self, **row: float | None) -> None:
        j = self._n % BLOCK_ROWS
        if j == 0 and self._n // BLOCK_ROWS == len(self._blocks):
            self._blocks.append(np.empty((len(COLUMNS), BLOCK_ROWS)))   # rows written whole
        block = self._blocks[self._n // BLOCK_ROWS]
        for i, name in enumerate(COLUMNS):
            value = row.get(name)
            block[i, j] = np.nan if value is None else float(value)
        self._n += 1

    def _rows(self) -> np.ndarray:
        """All rows as one new (len(COLUMNS), rows) array."""
        if not self._blocks:
            return np.empty((len(COLUMNS), 0))
        return np.concatenate(self._blocks, axis=1)[:, :self._n]

    def column(self, name: str, start: int = 0) -> np.ndarray:
        """A copy of one column from row ``start`` on."""
        i = COLUMNS.index(name)
        stop = self._n
        start = max(0, min(start, stop))
        parts = [self._blocks[k][i, max(start - k * BLOCK_ROWS, 0):
                                 min(stop - k * BLOCK_ROWS, BLOCK_ROWS)]
                 for k in range(start // BLOCK_ROWS, -(-stop // BLOCK_ROWS))]
        return np.concatenate(parts) if parts else np.empty(0)

    def columns(self, start: int = 0) -> dict[str, np.ndarray]:
        return {name: self.column(name, start) for name in COLUMNS}

    def last(self) -> dict[str, float]:
        return self.row(self._n - 1) if self._n else {}

    def row(self, j: int) -> dict[str, float]:
        """Row ``j`` (epoch ``j + 1``) as a dict of floats."""
        if not 0 <= j < self._n:
            raise IndexError(f"history row {j} of {self._n}")
        block = self._blocks[j // BLOCK_ROWS]
        return {name: float(block[i, j % BLOCK_ROWS]) for i, name in enumerate(COLUMNS)}

    def copy(self, rows: int | None = None) -> "History":
        """An independent copy of the first ``rows`` rows (all of them by default)."""
        other = History()
        other._n = self._n if rows is None else max(0, min(self._n, rows))
        other._blocks = [block.copy() for block in self._blocks[:-(-other._n // BLOCK_ROWS)]]
        other.edits = [dict(e) for e in self.edits
                       if rows is None or e.get("epoch", 0) <= other._n]
        return other

    def truncate(self, n: int) -> None:
        """Keep the first ``n`` rows; rows appended later overwrite the dropped ones."""
        self._n = max(0, min(self._n, n))
        del self._blocks[-(-self._n // BLOCK_ROWS):]

    def to_csv(self) -> str:
        data = self._rows()
        has_r2 = bool(self._n) and not np.all(np.isnan(data[6:]))
        names = COLUMNS if has_r2 else REQUIRED_COLUMNS
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(names)
        for j in range(self._n):
            row = []
            for i, name in enumerate(names):
                value = data[i, j]
                if math.isnan(value):
                    row.append("")
                elif name == "epoch":
                    row.append(str(int(value)))
                else:
                    row.append(repr(float(value)))
            writer.writerow(row)
        return buf.getvalue()

    @classmethod
    def from_csv(cls, text: str, source: str = "history.csv") -> "History":
        history = cls()
        reader = csv.reader(io.StringIO(text))
        try:
            header = next(reader)
            rows = list(reader)
        except StopIteration:
            return history
        except csv.Error as exc:
            raise RunFileError(f"{source}, line {reader.line_num}: "
                               f"{csv_error_text(exc)}") from None
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise RunFileError(f"{source}: missing column(s) {', '.join(missing)}")
        index = {name: header.index(name) for name in COLUMNS if name in header}
        for line_no, row in enumerate(rows, start=2):
            if not row:
                continue
            if len(row) != len(header):
                raise RunFileError(f"{source}, line {line_no}: {len(row)} cells, expected "
                                   f"{len(header)}")
            values = {}
            for name, i in index.items():
                cell = row[i].strip()
                try:
                    values[name] = None if cell == "" else float(cell)
                except ValueError:
                    raise RunFileError(f"{source}, line {line_no}, column {name}: "
                                       f"{cell!r} is not a number") from None
            history.append(**values)
        return history
