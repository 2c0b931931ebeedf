"""A seeded monkey of 150 random actions on a playing window (tests/ui/monkeying.py): no
exception reaches sys.excepthook (pytest-qt fails the test), no guarded view raises (the
view_errors fixture), no Qt warning (qt_log_level_fail), and the window closes with its worker
stopped. A failure names the seed and the last actions;
replay with ``python tests/benchmarks/monkey.py --seed S --actions N``."""

from __future__ import annotations

import numpy as np
import pytest

from playground import Experiment
from monkeying import Answers, Monkey, StallProbe, close_and_time
from ui.window.main_window import MainWindow

# the offscreen platform's limits (size hints; a popup menu's raise and keyboard grab)
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints",
                                       "does not support raise", "does not support grabbing")

SEEDS = [1, 2]
ACTIONS = 75


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_random_actions_while_training_plays_leave_a_working_window_that_closes(
        qtbot, monkeypatch, tmp_path, small_dict, seed):
    rng = np.random.default_rng(seed)
    answers = Answers(monkeypatch, rng, tmp_path)
    small_dict["training"]["epochs"] = 100_000
    window = MainWindow(Experiment.from_dict(small_dict), remember=False)
    window.show()
    qtbot.waitExposed(window)
    probe = StallProbe()
    probe.start()
    window.toggle_play()
    monkey = Monkey(window, qtbot, rng)
    try:
        monkey.run(ACTIONS)
    finally:
        probe.stop()
        close_and_time(window, answers)
    context = f"seed {seed}, last actions: {monkey.log[-5:]}"
    assert window.worker.isFinished(), context
    assert not window.isVisible(), context
    # no timed assertion here (a loaded CI machine stalls anyone): the longest stall is a
    # figure of tests/benchmarks/monkey.py, which fails above 1 s
    print(f"seed {seed}: longest GUI-thread stall {probe.longest_ms} ms")
    assert len(monkey.log) == ACTIONS, context
