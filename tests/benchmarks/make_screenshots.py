"""Regenerate the pictures of the app (offscreen; not a test).

    python tests/benchmarks/make_screenshots.py                  # assets/ and a temp folder
    python tests/benchmarks/make_screenshots.py --extra /tmp/shots

1. ``assets/screenshot.png``: the main window (1400×900, the default layout, the network tab in
   front) after training the
   default experiment (spiral, 2×8 tanh, Adam) for 150 epochs through the real worker, one
   "step epoch" after another (so the picture is the same on every machine).
2. ``EXTRA/shot_csv.png``: the main window after importing a CSV through the data panel — the
   panel's own import path (file dialog answered with the file, the preview dialog accepted) —
   a synthetic iris-like set: 150 rows, 4 measurements, 3 species; then 60 epochs.
3. ``assets/phase_stepper.png``: the "Step through backprop" panel (900×600) on the default
   3-layer network after 20 epochs, stepped to phase 6 of 8, "backward · layer 2 of 3".

Everything is driven through the window as a user would; the script waits in a Qt event loop
(never ``sleep``) and closes every window (and its worker thread) before it exits.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("BACKPROP_PLAYGROUND_SETTINGS", "screenshots")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QFileDialog, QToolButton  # noqa: E402

from playground.presets import default_experiment  # noqa: E402

SIZE = (1400, 900)


def wait_until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: (condition() or time.monotonic() > deadline) and loop.quit())
    timer.start()
    if not condition():
        loop.exec()
    timer.stop()
    if not condition():
        raise TimeoutError("the window did not get there in time")


def settle(seconds: float = 0.3) -> None:
    deadline = time.monotonic() + seconds
    wait_until(lambda: time.monotonic() > deadline, seconds + 5)


def on_worker(window, fn):
    return window.worker.submit(fn).result(30)


def open_window(experiment=None):
    from ui.window import main_window
    from ui.window.main_window import MainWindow
    # the offscreen screen is small, which folds the window into its laptop layout; the
    # pictures show the window as it opens at 1400×900 on a desktop screen
    main_window.needs_compact = lambda area: False
    window = MainWindow(experiment or default_experiment(), remember=False)
    window.resize(*SIZE)
    window.show()
    settle()
    return window


def train_to(window, epochs: int) -> None:
    """Step epoch after epoch to exactly ``epochs``, as pressing → would: the worker sends a
    snapshot after each, so every plot has its per-epoch history."""
    for _ in range(epochs - on_worker(window, lambda t: t.epoch)):
        window.worker.step_epoch()                     # handled in order by the worker
    wait_until(lambda: window.latest_snapshot.epoch >= epochs, 300)
    settle(0.5)
    window.refresh_views()
    settle(0.3)


def close(window) -> None:
    window.model.undo_stack.setClean()
    window.close()
    window.deleteLater()
    settle(0.1)


def save(widget, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    print(f"wrote {path}")
    return path


# -- 1. the main window after training ------------------------------------------------------------
def main_window_shot(path: Path) -> Path:
    window = open_window()
    try:
        train_to(window, 150)
        window.docks["network"].raise_()               # the diagram, not the first-run lessons
        settle()
        return save(window, path)
    finally:
        close(window)


# -- 2. a CSV imported through the data panel -------------------------------------------------------
def iris_like_csv(path: Path, seed: int = 0) -> Path:
    """150 flowers, 4 measurements (cm), 3 species, like Fisher's iris (synthetic)."""
    rng = np.random.default_rng(seed)
    species = {"setosa": ([5.0, 3.4, 1.5, 0.25], [0.35, 0.38, 0.17, 0.1]),
               "versicolor": ([5.9, 2.8, 4.3, 1.3], [0.5, 0.31, 0.47, 0.2]),
               "virginica": ([6.6, 3.0, 5.5, 2.0], [0.63, 0.32, 0.55, 0.27])}
    rows = []
    for name, (mean, std) in species.items():
        values = rng.normal(mean, std, size=(50, 4)).clip(0.1)
        rows += [",".join(f"{v:.1f}" for v in row) + f",{name}" for row in values]
    rows = [rows[i] for i in rng.permutation(len(rows))]
    path.write_text("sepal_length,sepal_width,petal_length,petal_width,species\n"
                    + "\n".join(rows) + "\n")
    return path


def csv_shot(path: Path, folder: Path) -> Path:
    csv = iris_like_csv(folder / "iris_like.csv")
    window = open_window()
    original = QFileDialog.getOpenFileName
    QFileDialog.getOpenFileName = staticmethod(lambda *args, **kwargs: (str(csv), ""))
    try:
        window.docks["data"].raise_()
        window.views["data"].findChild(QToolButton, "importButton").click()
        dialog = window.views["data"].import_dialog
        wait_until(lambda: dialog.isVisible())
        wait_until(dialog.ok_button.isEnabled)         # the preview is read in the background
        dialog.ok_button.click()                       # "Use this data": species is the target
        wait_until(lambda: window.latest_snapshot is not None
                   and window.latest_snapshot.data is not None
                   and window.latest_snapshot.data.n_classes == 3)
        train_to(window, 60)
        return save(window, path)
    finally:
        QFileDialog.getOpenFileName = original
        close(window)


# -- 3. the backprop stepper mid-backward-pass ----------------------------------------------------
def stepper_shot(path: Path) -> Path:
    window = open_window()
    try:
        train_to(window, 20)
        panel = window.views["backprop"]
        for index in range(1, 7):                      # forward 1-3, loss, backward 3, 2
            panel.request_step()
            wait_until(lambda: panel.phase_index == index)
        settle(0.3)
        assert panel.phase.title == "backward · layer 2 of 3", panel.phase.title
        host = window.docks["backprop"]
        host.setFloating(True)                         # a fixed size for the picture
        host.resize(900, 630)
        panel.stepPhaseButton.setFocus()              # no text cursor in the sample box
        settle(0.5)
        return save(panel, path)
    finally:
        close(window)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", type=Path, default=ROOT / "assets",
                        help="where screenshot.png and phase_stepper.png go")
    parser.add_argument("--extra", type=Path, default=None,
                        help="where shot_csv.png goes (default: a temporary folder)")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    from ui.widgets.theme import apply_theme
    apply_theme(app)
    extra = args.extra or Path(tempfile.mkdtemp(prefix="screenshots_"))
    main_window_shot(args.assets / "screenshot.png")
    with tempfile.TemporaryDirectory() as folder:
        csv_shot(extra / "shot_csv.png", Path(folder))
    stepper_shot(args.assets / "phase_stepper.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
