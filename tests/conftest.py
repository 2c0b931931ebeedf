"""Shared test setup: Qt runs headless, and every worker thread is stopped at teardown.

Waiting on the training worker: wait for what its signal *changes* on the GUI side
(``qtbot.waitUntil(lambda: window.latest_snapshot is not before)``, ``worker.playing``), never
``qtbot.waitSignal`` on one of its signals. They cross threads as queued calls; one already
queued when the blocker disconnects is still delivered, to a blocker Python has freed
(pytest-qt 4.5 + PySide6 6.12: "'MultiSignalBlocker' object has no attribute
'check_params_callback'" in a later ``qtbot.wait``).
"""

from __future__ import annotations

import inspect
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# keep the user's real settings and recent files out of the tests
os.environ.setdefault("BACKPROP_PLAYGROUND_SETTINGS", "test")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402

from ui.widgets.qt_workarounds import guard_none_refcount  # noqa: E402

# tests of single widgets may import neither ui.window.main_window nor ui.plots, which install it
guard_none_refcount()


def small_experiment(**overrides) -> dict:
    """A tiny, fast spiral experiment as a dict (tests adjust it)."""
    d = {
        "seed": 0,
        "data": {"source": "spiral", "samples": 120, "noise": 0.1, "validation_split": 0.25},
        "network": {"layers": [{"units": 6, "activation": "tanh"},
                               {"units": 6, "activation": "tanh"},
                               {"units": 2, "activation": "softmax"}],
                    "loss": "cross_entropy"},
        "training": {"optimizer": {"name": "adam", "learning_rate": 0.01}, "batch_size": 10,
                     "epochs": 50},
    }
    for key, value in overrides.items():
        d[key] = value
    return d


@pytest.fixture
def small_dict():
    return small_experiment()


@pytest.fixture
def worker_factory(qtbot):
    """Start TrainingWorkers; all of them are stopped and joined at teardown."""
    from ui.live.training_worker import TrainingWorker

    workers = []

    def make(trainer, **kwargs):
        worker = TrainingWorker(trainer, **kwargs)
        workers.append(worker)
        worker.start()
        return worker

    yield make
    for worker in workers:
        assert worker.stop(timeout=5.0), "worker thread did not stop"


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch):
    """QSettings go to a temporary folder for every test."""
    monkeypatch.setenv("BACKPROP_PLAYGROUND_CONFIG_DIR", str(tmp_path / "config"))
    yield


@pytest.fixture
def show_panel(qtbot):
    """``show_panel(PanelClass, model, size)``: the panel shown inside a plain host window
    without a layout, so its minimum size may change without the offscreen platform warning
    about size hints."""
    from PySide6.QtWidgets import QWidget

    def show(widget_class, model, size=(320, 700)):
        host = QWidget()
        qtbot.addWidget(host)
        host.resize(*size)
        widget = widget_class(model, host)
        widget.setGeometry(0, 0, *size)
        widget.test_host = host            # qtbot keeps only a weak reference
        host.show()
        qtbot.waitExposed(host)
        return widget

    return show


@pytest.fixture(autouse=True)
def view_errors(request):
    """Every error a guarded view caught (ui.widgets.view_errors) fails the test, unless the test asks
    for this fixture by name and checks the list itself."""
    from ui.widgets.view_errors import add_reporter, remove_reporter

    caught: list[tuple[str, BaseException]] = []
    reporter = lambda where, exc: caught.append((where, exc))  # noqa: E731
    add_reporter(reporter)
    yield caught
    remove_reporter(reporter)
    asked = "view_errors" in inspect.signature(request.function).parameters
    if caught and not asked:
        raise AssertionError(f"a view raised: {caught[0][0]}: {caught[0][1]!r}")


@pytest.fixture
def open_window(qtbot, monkeypatch):
    """``open_window(experiment)`` or ``open_window(trainer=...)``: a shown MainWindow that
    remembers nothing; at teardown it is closed (changes discarded) and its worker joined."""
    from PySide6.QtWidgets import QMessageBox
    from ui.window.main_window import MainWindow
    made = []

    def make(*args, **kwargs):
        window = MainWindow(*args, remember=False, **kwargs)
        made.append(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    yield make
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    for window in made:
        window.close()
        assert window.worker.wait(5000)


@pytest.fixture
def bare_window(qtbot, monkeypatch):
    """A MainWindow on the default experiment, shown; closed at teardown without asking, its
    worker stopped."""
    from PySide6.QtWidgets import QMessageBox
    from ui.window.main_window import MainWindow

    window = MainWindow(remember=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    window.close()
    assert window.worker.wait(5000)


@pytest.fixture(scope="session", autouse=True)
def _cycles_freed_before_qt_ends():
    """At the end of the session the GUI-thread collector (ui/live/collector.py) frees every
    cycle while the QApplication still exists, as the app does when it quits."""
    yield
    import sys
    if "ui.live.collector" in sys.modules:
        sys.modules["ui.live.collector"].shutdown()
