"""Quitting the application without closing the window, and opening a big run file without
the GUI thread reading it (issue 19, item 3)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: quit the application while the window is open, training plays and an "Unsaved changes"
#: question is up (app.quit ends every event loop: no closeEvent ever accepts)
QUIT_SCRIPT = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication(sys.argv[:1])
    from ui.window.main_window import MainWindow
    window = MainWindow(remember=False)
    window.model.set("training.optimizer.learning_rate", 0.2)     # unsaved changes
    window.show()
    window.worker.play()

    def ask():
        QTimer.singleShot(300, app.quit)
        window.close()                     # the question stays up until the quit
    QTimer.singleShot(300, ask)
    code = app.exec()
    print("running after exec:", window.worker.isRunning(), flush=True)
    sys.exit(code)
""")


def test_quitting_the_application_stops_the_worker_like_closing(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", BACKPROP_PLAYGROUND_SETTINGS="test",
               BACKPROP_PLAYGROUND_CONFIG_DIR=str(tmp_path / "config"),
               PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", QUIT_SCRIPT], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert "QThread: Destroyed while thread" not in result.stderr
    assert result.returncode == 0, result.stderr[-2000:]
    assert "running after exec: False" in result.stdout
