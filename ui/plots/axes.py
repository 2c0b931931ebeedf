"""Axes that label what the plots show: log-scale values, and epochs.

:class:`EpochAxis` ticks whole epochs only: with a few epochs on show pyqtgraph would put
ticks at 0.5, 1.5, 2.5, which no run ever has.

:class:`LogAxis` labels a log scale readably when the range is narrower than a decade.

pyqtgraph's log axis puts its ticks at 1…9 × 10ᵏ and labels them with one significant digit.
Over several decades that is right (0.01, 0.1, 1). A loss that moves between 0.64 and 0.72,
though, gets a single label ("0.7"), and one between 0.06 and 0.1 a crowd of them
(0.06 0.07 0.08 0.09). :class:`LogAxis` keeps pyqtgraph's ticks for ranges of a decade or
more; for a narrower one it places ticks at round values (steps of 1, 2, 2.5 or 5 × 10ᵏ, as
many as the axis has room for) and labels them with as many digits as it takes to tell them
apart, exactly (0.64 0.66 0.68 0.7 0.72). Over one to a few decades on a short axis,
pyqtgraph labels every tick 2…9 × 10ᵏ, and on the error-signal plot (0.025 to 0.35 on 110 px)
0.06 0.07 0.08 0.09 were printed over one another: :class:`LogAxis` keeps every tick and grid
line but labels only the mantissas there is room for (1…9, else 1 2 5, else 1 3, else the
powers of ten). In linear mode it is pyqtgraph's axis.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

#: step mantissas for the ticks of a narrow log range
STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)
#: pixels per labelled tick, at least (along a horizontal axis; a vertical one: LINE_ROOM)
TICK_ROOM = 40
#: pixels between two labels of a vertical axis, at least (one line of tick text and a gap)
LINE_ROOM = 16
#: the mantissas labelled on a log axis spanning decades, richest first
MANTISSA_SETS = ((1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 5), (1, 3), (1,))


def labelled_mantissas(pixels_per_decade: float, room: float) -> tuple[int, ...] | None:
    """The richest of :data:`MANTISSA_SETS` whose neighbouring labels are at least ``room``
    pixels apart at ``pixels_per_decade``; None when not even the powers of ten are (pyqtgraph
    then chooses which decades to label)."""
    for mantissas in MANTISSA_SETS:
        gaps = np.diff(np.log10([*mantissas, 10]))
        if gaps.min() * pixels_per_decade >= room:
            return mantissas
    return None


def mantissas_of(values) -> np.ndarray:
    """The leading digit of each positive value of the form m × 10ᵏ (m = 1…9)."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(all="ignore"):
        m = np.rint(values / 10.0 ** np.floor(np.log10(values)))
    return np.where(m >= 10, 1, m)


def round_ticks(lo: float, hi: float, most: int) -> np.ndarray:
    """Round numbers in [lo, hi] (0 < lo < hi), at most ``most`` of them and at least two when
    the range holds two round numbers of the finest step tried."""
    most = max(2, int(most))
    span = hi - lo
    if not (lo > 0 and span > 0 and math.isfinite(span)):
        return np.array([])
    magnitude = 10.0 ** math.floor(math.log10(span / most))
    for mantissa in STEPS:
        step = mantissa * magnitude
        first = math.ceil(lo / step - 1e-9) * step
        count = int(math.floor((hi - first) / step + 1e-9)) + 1
        if count <= most:
            break
    values = first + step * np.arange(max(count, 0))
    # the arithmetic leaves 0.30000000000000004: round to the step's decimals
    decimals = max(0, -math.floor(math.log10(step)) + 1)
    return np.round(values, decimals)


def distinct_labels(values) -> list[str]:
    """The shortest ``%g`` texts (1 to 6 significant digits, the same for all) that say each
    of the round ``values`` exactly and tell them apart."""
    values = [float(v) for v in values]
    for digits in range(1, 7):
        texts = [f"{v:.{digits}g}" for v in values]
        exact = all(abs(float(t) - v) <= 1e-9 * abs(v) for t, v in zip(texts, values))
        if exact and len(set(texts)) == len(texts):
            return texts
    return texts


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def decade_labels(values) -> list[str]:
    """Labels of a log axis spanning decades, in one notation: plain numbers (0.01 … 1000)
    when every label reads well that way, else powers of ten for all (10⁻⁶ … 10⁻²) — never
    0.01 beside 10⁻⁵ on the same axis."""
    texts = [f"{float(f'{float(v):.1g}'):.6g}" for v in values]     # 1 digit: 0.003, 10
    if not any("e" in t for t in texts):
        return texts
    out = []
    for v in values:
        if not np.isfinite(v):              # 10**400 overflowed (a diverged run's axis)
            out.append("∞" if v > 0 else "")
            continue
        mantissa, exponent = f"{float(v):.0e}".split("e")
        power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
        out.append(power if mantissa == "1" else f"{mantissa}·{power}")
    return out


class LogAxis(pg.AxisItem):
    #: the mantissas labelled over a range of decades (None: every tick pyqtgraph labels)
    _labelled: tuple[int, ...] | None = None

    def logTickValues(self, minVal, maxVal, size, stdTicks):
        if not (maxVal - minVal < 1.0):             # a decade or more (or not finite)
            span = maxVal - minVal
            room = LINE_ROOM if self.orientation in ("left", "right") else TICK_ROOM
            self._labelled = (labelled_mantissas(size / span, room)
                              if math.isfinite(span) and span > 0 else None)
            return super().logTickValues(minVal, maxVal, size, stdTicks)
        self._labelled = None
        ticks = round_ticks(10.0 ** minVal, 10.0 ** maxVal, size // TICK_ROOM)
        if len(ticks) < 2:
            return super().logTickValues(minVal, maxVal, size, stdTicks)
        return [(None, list(np.log10(ticks)))]

    def logTickStrings(self, values, scale, spacing):
        with np.errstate(over="ignore"):    # beyond 1e308: labelled ∞ (decade_labels)
            numbers = 10.0 ** np.asarray(values, dtype=np.float64) * scale
        if len(values) < 2 or max(values) - min(values) >= 1.0 or self._labelled is not None:
            texts = decade_labels(numbers)
            if self._labelled is not None:      # only the mantissas there is room for
                keep = np.isin(mantissas_of(numbers), self._labelled)
                texts = [t if k else "" for t, k in zip(texts, keep)]
            return texts
        return distinct_labels(numbers)


class EpochAxis(pg.AxisItem):
    def tickValues(self, minVal, maxVal, size):
        levels = [(spacing, values) for spacing, values in super().tickValues(minVal, maxVal, size)
                  if spacing is not None and spacing >= 1.0]
        if levels:
            return levels
        lo, hi = sorted((minVal, maxVal))
        whole = np.arange(math.ceil(lo), math.floor(hi) + 1, dtype=np.float64)
        return [(1.0, list(whole))] if len(whole) else []
