"""While any training worker runs, the interpreter hands its lock between threads every
millisecond instead of every five.

Both the GUI thread and a worker run Python. CPython passes the interpreter lock from a busy
thread to a waiting one only every ``sys.getswitchinterval()`` seconds (5 ms by default), so
every event the GUI handles while training runs — a key press, a timer — would wait up to that
long. :func:`quick_switching` lowers the interval to ``SWITCH_INTERVAL`` while at least one
worker is inside it and gives the previous value back when the last one leaves.
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from typing import Iterator

#: the interpreter's switch interval while a worker thread runs (CPython's default: 5 ms)
SWITCH_INTERVAL = 0.001

_lock = threading.Lock()
_inside = 0                     # workers inside quick_switching()
_before = 0.0                   # the interval when the first of them came in


@contextmanager
def quick_switching() -> Iterator[None]:
    """A short switch interval from the first worker in to the last one out."""
    global _inside, _before
    with _lock:
        if _inside == 0:
            _before = sys.getswitchinterval()
            sys.setswitchinterval(min(_before, SWITCH_INTERVAL))
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0:
                sys.setswitchinterval(_before)
