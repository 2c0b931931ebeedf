"""``backprop-playground --self-test``: is this installation able to train and draw?

It builds the real main window (offscreen when there is no display), presses Play so the real
worker thread trains until at least :data:`MIN_EPOCHS` epochs are done — waiting in a Qt event
loop, not with ``sleep`` — pauses, redraws, and renders every plot to an image: each must hold
data and must not be a blank picture. Then it prints ``self-test ok`` and returns 0, or prints
what failed and returns 1. ``--screenshot PNG`` also saves a picture of the whole window.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

MIN_EPOCHS = 3
TIMEOUT = 60.0
#: a rendered plot with fewer distinct colours than this is considered blank
MIN_COLOURS = 4


def wait_until(condition, timeout: float) -> bool:
    """Run the event loop until ``condition()`` is true or ``timeout`` seconds passed."""
    deadline = time.monotonic() + timeout
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(20)

    def check() -> None:
        if condition() or time.monotonic() > deadline:
            loop.quit()

    timer.timeout.connect(check)
    timer.start()
    if not condition():
        loop.exec()
    timer.stop()
    return bool(condition())


def distinct_colours(image: QImage, samples: int = 64) -> int:
    """How many different colours a ``samples`` × ``samples`` grid over ``image`` hits."""
    if image.isNull() or image.width() == 0 or image.height() == 0:
        return 0
    colours = set()
    for i in range(samples):
        x = min(image.width() - 1, i * image.width() // samples)
        for j in range(samples):
            y = min(image.height() - 1, j * image.height() // samples)
            colours.add(image.pixel(x, y))
    return len(colours)


def has_data(plot_widget) -> bool:
    """True when some item in the plot's view box has a data extent."""
    bounds = plot_widget.getPlotItem().getViewBox().childrenBounds()
    return any(b is not None for b in bounds)


def rendered_views(window) -> list[tuple[str, QWidget, bool]]:
    """(name, widget to grab, holds data) for every plot and picture in the window."""
    views = []
    for plot in window.plots:
        canvas = plot.plot_widget
        views.append((canvas.objectName(), canvas, has_data(canvas)))
    scatter = window.views["data"].scatter.plot_widget     # built and drawn if deferred
    views.append((scatter.objectName(), scatter, has_data(scatter)))
    diagram = window.views["backprop"].diagram
    views.append(("networkDiagram", diagram, True))
    return views


def check_window(window) -> list[str]:
    """Train a few epochs through the worker and render every view; returns the failures."""
    window.worker.play()
    if not wait_until(lambda: (window.latest_snapshot is not None
                               and window.latest_snapshot.epoch >= MIN_EPOCHS), TIMEOUT):
        epoch = window.latest_snapshot.epoch if window.latest_snapshot else "none"
        return [f"training did not reach epoch {MIN_EPOCHS} within {TIMEOUT:.0f} s "
                f"(epoch {epoch}; {window.notice.text() or 'no error reported'})"]
    window.worker.pause()
    if not wait_until(lambda: not window.worker.playing, 5.0):
        return ["the worker did not pause"]
    window.worker.request_snapshot()
    wait_until(lambda: False, 0.2)           # let the last snapshot arrive and be drawn
    landscape = window.loss_tools.show_landscape()    # drawn on request only: request it
    landscape.compute()
    if not wait_until(lambda: not landscape.running, TIMEOUT):
        return [f"the loss landscape was not computed within {TIMEOUT:.0f} s"]
    window.refresh_views()
    failures = []
    for dock in window.docks.values():
        dock.raise_()                        # tabbed plots draw when shown
        QApplication.processEvents()
        window.refresh_views()
        window.redrawer.flush()              # views queued one per turn: draw them now
        for plot in window.plots:
            plot.refresh()
    for name, widget, holds_data in rendered_views(window):
        image = widget.grab().toImage()
        colours = distinct_colours(image)
        if not holds_data:
            failures.append(f"{name}: no data drawn")
        elif colours < MIN_COLOURS:
            failures.append(f"{name}: the rendered image is blank ({colours} colours)")
    return failures


def run_self_test(file: str | None = None, screenshot: str | None = None) -> int:
    from ui.window.launch import initial_window
    from ui.window.main_window import MainWindow
    from ui.widgets.view_errors import add_reporter, describe, remove_reporter

    if file:
        window, error = initial_window(file, remember=False)
        if error:
            print(f"self-test failed: {error}", file=sys.stderr)
            window.shutdown()
            return 1
    else:
        window = MainWindow(remember=False)
    view_errors: list[str] = []
    reporter = lambda where, exc: view_errors.append(describe(where, exc))  # noqa: E731
    add_reporter(reporter)
    window.show()
    try:
        failures = check_window(window)
        failures += view_errors
        if screenshot:
            path = Path(screenshot)
            if not window.grab().save(str(path)):
                failures.append(f"could not write the screenshot {path}")
            else:
                print(f"screenshot saved to {path}")
    finally:
        window.model.undo_stack.setClean()   # nothing to save: close without asking
        window.close()
        remove_reporter(reporter)
    if failures:
        print("self-test failed:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    print("self-test ok")
    return 0
