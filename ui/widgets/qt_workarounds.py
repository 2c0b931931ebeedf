"""Work around a reference-counting bug of PySide6 6.12 on CPython 3.11.

PySide6/shiboken6 6.12.0 returns ``None`` from every ``void`` C++ method (``setText``,
``resize``, ``QPolygonF.resize``, ``QPainterPath.addPolygon`` …) without taking a reference
to it, and drops references to ``True``/``False`` on other paths (painting, scene changes).
From CPython 3.12 on these objects are immortal and that is harmless; on 3.11 every such call
lowers the reference count by one, and after a few thousand calls — a few seconds of live
plotting — the interpreter aborts with "Fatal Python error: none_dealloc" (or
"bool_dealloc").

:func:`guard_none_refcount` gives ``None``, ``True`` and ``False`` a huge reference count
once, which is what CPython 3.12 does itself (immortal objects), so the lost references never
bring them to zero. It does
nothing on 3.12+, on other interpreters, on debug builds with a different object layout, or
when the installed PySide6 does not have the bug.

Called where Qt comes in: when :mod:`ui.window.main_window` (the app) or :mod:`ui.plots` is imported,
and by the test suite's conftest for tests that use single widgets.
"""

from __future__ import annotations

import ctypes
import platform
import sys

_IMMORTAL = 1 << 60
_done = False


def pyside_drops_none() -> bool:
    """True when a ``void`` PySide6 call lowers None's reference count (measured)."""
    from PySide6.QtCore import QPointF
    point = QPointF()
    before = sys.getrefcount(None)
    for _ in range(64):
        point.setX(1.0)
    return sys.getrefcount(None) < before - 32


def guard_none_refcount() -> bool:
    """Make ``None`` effectively immortal when needed; True when it did."""
    global _done
    if _done:
        return True
    if (sys.version_info >= (3, 12) or platform.python_implementation() != "CPython"
            or hasattr(sys, "getobjects")):         # Py_TRACE_REFS builds: other layout
        return False
    if not pyside_drops_none():
        return False
    for singleton in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(singleton))
        if abs(refcount.value - sys.getrefcount(singleton)) > 8:
            return False                            # not the layout we expect: leave it
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value = _IMMORTAL
    _done = True
    return True
