"""Starting the desktop app: which window opens first, and the checks before Qt starts.

:func:`run_app` refuses clearly when there is no display (or the platform plugin cannot load),
styles the application, then opens :func:`initial_window` — the file asked for, else the last
file if it still loads, else the default experiment — or runs the offscreen self-test.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from . import settings
from .file_actions import OPEN_IN_BACKGROUND_BYTES, describe_error, file_size, read_runs
from .main_window import APP_NAME, MainWindow
from ui.live import collector
from ui.platform_check import xcb_problem
from ui.widgets.theme import apply_theme

#: the desktop entry's id (packaging/linux): names the app to the desktop, e.g. Wayland's app id
DESKTOP_FILE_ID = "io.github.backprop_playground.BackpropPlayground"


def initial_window(file: str | None, remember: bool = True) -> tuple[MainWindow, str | None]:
    """The window to start with: ``file`` if given, else the last file if it still loads,
    else the default experiment. Returns the window and an error message (or None). A big
    ``file`` (:data:`~ui.window.file_actions.OPEN_IN_BACKGROUND_BYTES`) is opened by the window
    in the background: it shows at once, with the default experiment until the file is in."""
    if file and file_size(Path(file)) > OPEN_IN_BACKGROUND_BYTES:
        window = MainWindow(remember=remember)
        window.files.open_path(file, ask=False)
        return window, None
    candidates = [file] if file else ([settings.last_file()] if remember else [])
    for candidate in candidates:
        if not candidate:
            continue
        try:
            runs = read_runs(candidate)
        except Exception as exc:  # noqa: BLE001 - reported, the default opens instead
            if file:
                return (MainWindow(remember=remember),
                        f"Cannot open {candidate}: {describe_error(exc)}")
            settings.forget_last_file()
            continue
        window = MainWindow(trainer=runs[runs.current].trainer, file_path=candidate,
                            remember=remember)
        if len(runs) > 1:                   # a saved comparison: every run comes back
            window.worker.replace_runs(runs)
        settings.add_recent_file(candidate)
        return window, None
    return MainWindow(remember=remember), None


def _has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM") or not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_app(file: str | None = None, self_test: bool = False,
            screenshot: str | None = None) -> int:
    """Run the desktop app (or the self-test); returns the exit status."""
    if self_test or screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    elif not _has_display():
        print("backprop-playground: error: no display found (DISPLAY is not set). Use "
              "--self-test to check the installation, or the headless commands "
              "(backprop-playground train FILE).", file=sys.stderr)
        return 2
    else:
        problem = xcb_problem()
        if problem:
            print(f"backprop-playground: error: {problem}", file=sys.stderr)
            return 1
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(settings.ORGANIZATION)
    app.setDesktopFileName(DESKTOP_FILE_ID)
    apply_theme(app)                     # also sets the window icon (assets/icons/app.svg)
    if self_test or screenshot:
        from ui.self_test import run_self_test
        try:
            return run_self_test(file, screenshot)
        finally:
            collector.shutdown()
    window, error = initial_window(file)
    if os.environ.get("BACKPROP_PLAYGROUND_STARTUP_PROBE"):  # packaging/measure_startup.py
        from PySide6.QtCore import QEvent, QObject

        class FirstPaint(QObject):       # report once the first paint is done, then quit
            def eventFilter(self, obj, event):
                if event.type() == QEvent.Type.Paint and obj is window:
                    app.removeEventFilter(self)
                    QTimer.singleShot(0, lambda: (print("startup-probe: painted", flush=True),
                                                  app.quit()))
                return False
        app.installEventFilter(FirstPaint(app))
    window.show()
    if error:
        QTimer.singleShot(0, lambda: QMessageBox.warning(window, "Cannot open the file", error))
    try:
        return app.exec()
    finally:
        collector.shutdown()        # every cycle freed while the application exists
