"""The per-epoch record of a run: the rows of ``history.csv``.

Columns (the saved-run contract): ``epoch, train_loss, val_loss, train_accuracy,
val_accuracy, learning_rate``; regression runs add ``train_r2, val_r2``. A value that does not
apply (no validation set, accuracy of a regression) is written as an empty cell and read back
as NaN. Rows are kept in NumPy arrays that grow by doubling (amortised O(1) appends, 8 bytes
per value), so even a very long run costs little memory.
"""

from __future__ import annotations

import csv
import io
import math

import numpy as np

from .errors import RunFileError

COLUMNS = ("epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy",
           "learning_rate", "train_r2", "val_r2")
REQUIRED_COLUMNS = COLUMNS[:6]


class History:
    def __init__(self):
        self._data = np.full((len(COLUMNS), 64), np.nan)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def append(self, **row: float | None) -> None:
        if self._n == self._data.shape[1]:
            grown = np.full((len(COLUMNS), 2 * self._n), np.nan)
            grown[:, :self._n] = self._data
            self._data = grown
        for i, name in enumerate(COLUMNS):
            value = row.get(name)
            self._data[i, self._n] = np.nan if value is None else float(value)
        self._n += 1

    def column(self, name: str, start: int = 0) -> np.ndarray:
        """A copy of one column from row ``start`` on."""
        return self._data[COLUMNS.index(name), start:self._n].copy()

    def columns(self, start: int = 0) -> dict[str, np.ndarray]:
        return {name: self.column(name, start) for name in COLUMNS}

    def last(self) -> dict[str, float]:
        if not self._n:
            return {}
        return {name: float(self._data[i, self._n - 1]) for i, name in enumerate(COLUMNS)}

    def truncate(self, n: int) -> None:
        self._n = min(self._n, n)

    def to_csv(self) -> str:
        has_r2 = bool(self._n) and not np.all(np.isnan(self._data[6:, :self._n]))
        names = COLUMNS if has_r2 else REQUIRED_COLUMNS
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(names)
        for j in range(self._n):
            row = []
            for i, name in enumerate(names):
                value = self._data[i, j]
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
        except StopIteration:
            return history
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise RunFileError(f"{source}: missing column(s) {', '.join(missing)}")
        index = {name: header.index(name) for name in COLUMNS if name in header}
        for line_no, row in enumerate(reader, start=2):
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
