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
apart, exactly (0.64 0.66 0.68 0.7 0.72). In linear mode it is pyqtgraph's axis.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

#: step mantissas for the ticks of a narrow log range
STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)
#: pixels per labelled tick, at least
TICK_ROOM = 40


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
    def logTickValues(self, minVal, maxVal, size, stdTicks):
        if not (maxVal - minVal < 1.0):             # a decade or more (or not finite)
            return super().logTickValues(minVal, maxVal, size, stdTicks)
        ticks = round_ticks(10.0 ** minVal, 10.0 ** maxVal, size // TICK_ROOM)
        if len(ticks) < 2:
            return super().logTickValues(minVal, maxVal, size, stdTicks)
        return [(None, list(np.log10(ticks)))]

    def logTickStrings(self, values, scale, spacing):
        with np.errstate(over="ignore"):    # beyond 1e308: labelled ∞ (decade_labels)
            numbers = 10.0 ** np.asarray(values, dtype=np.float64) * scale
        if len(values) < 2 or max(values) - min(values) >= 1.0:
            return decade_labels(numbers)
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
