"""While any worker runs, the interpreter switches threads every millisecond; when the last
one ends, the interval it had before comes back."""

from __future__ import annotations

import sys

from ui.live.switch_interval import SWITCH_INTERVAL, quick_switching


def test_the_interval_is_short_from_the_first_worker_in_to_the_last_one_out():
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.004)
        first, second = quick_switching(), quick_switching()
        first.__enter__()
        assert sys.getswitchinterval() == SWITCH_INTERVAL
        second.__enter__()
        first.__exit__(None, None, None)                # overlapping, not nested
        assert sys.getswitchinterval() == SWITCH_INTERVAL
        second.__exit__(None, None, None)
        assert sys.getswitchinterval() == 0.004
    finally:
        sys.setswitchinterval(before)


def test_a_worker_that_fails_gives_the_interval_back():
    before = sys.getswitchinterval()
    try:
        with quick_switching():
            raise RuntimeError("the loop failed")
    except RuntimeError:
        pass
    assert sys.getswitchinterval() == before
