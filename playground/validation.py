"""Small checks for JSON-like configuration, each failing with the key path it checked.

Used by :mod:`playground.experiment` (and the optimizer/schedule factories) so that every bad
value is reported as, for example, ``network.layers[2].units: must be an integer ≥ 1, got
'eight'``.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

from .errors import ExperimentError


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def describe(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "an object" if isinstance(value, dict) else "a list"
    return repr(value)


def check_object(value: Any, path: str, allowed: Iterable[str]) -> dict:
    """``value`` must be a dict whose keys are all in ``allowed``."""
    if not isinstance(value, dict):
        what = "must be an object" if path else "an experiment must be a JSON object"
        raise ExperimentError(path, f"{what}, got {describe(value)}")
    allowed = list(allowed)
    for key in value:
        if key not in allowed:
            hint = _closest(key, allowed)
            extra = f" (did you mean {hint!r}?)" if hint else ""
            raise ExperimentError(join(path, key),
                                  f"unknown key{extra}; allowed keys: {', '.join(allowed)}")
    return value


def _closest(word: str, options: list[str]) -> str | None:
    import difflib
    match = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    return match[0] if match else None


def integer(value: Any, path: str, lo: int | None = None, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ExperimentError(path, f"must be an integer{_range(lo, hi)}, got "
                                        f"{describe(value)}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ExperimentError(path, f"must be an integer{_range(lo, hi)}, got {value}")
    return int(value)


def number(value: Any, path: str, lo: float | None = None, hi: float | None = None, *,
           lo_open: bool = False, hi_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExperimentError(path, f"must be a number{_range(lo, hi, lo_open, hi_open)}, "
                                    f"got {describe(value)}")
    try:
        value = float(value)
    except OverflowError:       # an integer too large for a float
        value = math.inf
    if not math.isfinite(value):
        raise ExperimentError(path, f"must be a finite number, got {value}")
    bad = ((lo is not None and (value < lo or (lo_open and value == lo)))
           or (hi is not None and (value > hi or (hi_open and value == hi))))
    if bad:
        raise ExperimentError(path, f"must be a number{_range(lo, hi, lo_open, hi_open)}, "
                                    f"got {value:g}")
    return value


def numbers(value: Any, path: str, count: int) -> list[float]:
    """A list of exactly ``count`` finite numbers (``path[i]`` names a bad entry)."""
    if not isinstance(value, list):
        raise ExperimentError(path, f"must be a list of {count} numbers, got {describe(value)}")
    if len(value) != count:
        raise ExperimentError(path, f"expected {count} number{'s' if count != 1 else ''}, "
                                    f"got {len(value)}")
    return [number(x, join(path, i)) for i, x in enumerate(value)]


def boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise ExperimentError(path, f"must be true or false, got {describe(value)}")
    return value


def choice(value: Any, path: str, options: Iterable[str]) -> str:
    options = list(options)
    if not isinstance(value, str) or value not in options:
        hint = _closest(value, options) if isinstance(value, str) else None
        extra = f" (did you mean {hint!r}?)" if hint else ""
        raise ExperimentError(path, f"must be one of {', '.join(options)}; got "
                                    f"{describe(value)}{extra}")
    return value


def string(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise ExperimentError(path, f"must be a non-empty string, got {describe(value)}")
    return value


def _bound(x) -> str:
    """A range limit as written in a file: 16384 (not 1.6384e+04), 0.95, 1e+06 for floats."""
    return str(x) if isinstance(x, int) and not isinstance(x, bool) else f"{x:g}"


def _range(lo, hi, lo_open=False, hi_open=False) -> str:
    if lo is not None and hi is not None:
        left = "(" if lo_open else "["
        right = ")" if hi_open else "]"
        return f" in {left}{_bound(lo)}, {_bound(hi)}{right}"
    if lo is not None:
        return f" {'>' if lo_open else '≥'} {_bound(lo)}"
    if hi is not None:
        return f" {'<' if hi_open else '≤'} {_bound(hi)}"
    return ""
