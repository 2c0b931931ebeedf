"""What the app remembers between launches: window layout, the last file, recent files.

Everything goes through one ``QSettings`` in INI format. Its folder is the platform's usual
place for configuration, unless the environment variable ``BACKPROP_PLAYGROUND_CONFIG_DIR``
names another one — the tests point it at a temporary folder so they never read or change a
user's real settings.

The keys are declared once here; the window reads and writes them only through these helpers.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from playground.errors import PlaygroundError
from playground.files.limits import check_regular_file

CONFIG_DIR_ENV = "BACKPROP_PLAYGROUND_CONFIG_DIR"
ORGANIZATION = "backprop-playground"
APPLICATION = "backprop-playground"
MAX_RECENT = 8
MAX_SETTINGS_BYTES = 2**20

GEOMETRY = "window/geometry"
STATE = "window/state"
LAST_FILE = "files/last"
RECENT = "files/recent"


def settings_path() -> Path:
    """The INI file: in ``BACKPROP_PLAYGROUND_CONFIG_DIR`` when set, else where Qt puts a
    user-scope INI file (``%APPDATA%`` on Windows, ``$XDG_CONFIG_HOME`` or ``~/.config``)."""
    folder = os.environ.get(CONFIG_DIR_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return Path(folder) / f"{APPLICATION}.ini"
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        base = Path(os.environ["APPDATA"])
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / ORGANIZATION / f"{APPLICATION}.ini"


_fallback: dict[str, Path] = {}         # refused file → this session's stand-in


def app_settings() -> QSettings:
    """The settings store (INI file). The file is checked first (a regular file within the
    size limit: QSettings would block on a FIFO and read a device forever); a file that fails
    is left alone, said once on stderr, and this session's settings are not kept."""
    path = settings_path()
    if os.path.lexists(path):
        try:
            check_regular_file(path, max_bytes=MAX_SETTINGS_BYTES, what="settings file")
        except PlaygroundError as exc:
            if str(path) not in _fallback:
                _fallback[str(path)] = Path(tempfile.mkdtemp()) / f"{APPLICATION}.ini"
                print(f"settings not used: {exc}", file=sys.stderr)
            path = _fallback[str(path)]
    return QSettings(str(path), QSettings.Format.IniFormat)


def _bytes(settings: QSettings, key: str) -> QByteArray | None:
    value = settings.value(key)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def window_geometry() -> QByteArray | None:
    return _bytes(app_settings(), GEOMETRY)


def window_state() -> QByteArray | None:
    return _bytes(app_settings(), STATE)


def save_window(geometry: QByteArray, state: QByteArray) -> None:
    settings = app_settings()
    settings.setValue(GEOMETRY, geometry)
    settings.setValue(STATE, state)
    settings.sync()


def recent_files() -> list[str]:
    """Recently opened or saved files, newest first (files that vanished are kept; opening
    one that fails removes it)."""
    value = app_settings().value(RECENT, [])
    if isinstance(value, str):          # an INI list of one comes back as a plain string
        value = [value]
    return [str(v) for v in (value or []) if v][:MAX_RECENT]


def _set_recent(paths: list[str]) -> None:
    settings = app_settings()
    settings.setValue(RECENT, paths[:MAX_RECENT])
    settings.sync()


def add_recent_file(path: str | os.PathLike) -> None:
    """Put ``path`` first in the recent list and remember it as the last file."""
    path = str(Path(path).resolve())
    _set_recent([path] + [p for p in recent_files() if p != path])
    settings = app_settings()
    settings.setValue(LAST_FILE, path)
    settings.sync()


def remove_recent_file(path: str | os.PathLike) -> None:
    path = str(Path(path).resolve())
    _set_recent([p for p in recent_files() if p != path])
    settings = app_settings()
    if settings.value(LAST_FILE) == path:
        settings.remove(LAST_FILE)
    settings.sync()


def clear_recent_files() -> None:
    _set_recent([])


def last_file() -> str | None:
    """The experiment or run that was open last (None after New or when never saved)."""
    value = app_settings().value(LAST_FILE)
    return str(value) if value else None


def forget_last_file() -> None:
    settings = app_settings()
    settings.remove(LAST_FILE)
    settings.sync()


LESSON_PROGRESS = "lessons/progress"
LESSONS_OFFERED = "lessons/offered"


def lesson_progress(name: str) -> int:
    """How many steps of the lesson ``name`` (its file name) the learner has passed."""
    value = app_settings().value(f"{LESSON_PROGRESS}/{name}", 0)
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


def set_lesson_progress(name: str, steps: int) -> None:
    app_settings().setValue(f"{LESSON_PROGRESS}/{name}", int(steps))


def lessons_offered() -> bool:
    return app_settings().value(LESSONS_OFFERED, "false") in ("true", True)


def mark_lessons_offered() -> None:
    app_settings().setValue(LESSONS_OFFERED, "true")


STATISTICS_EVERY = "training/statistics_every"


def statistics_every() -> int:
    """Detailed statistics every N epochs while training plays (1 when unset or unreadable)."""
    value = app_settings().value(STATISTICS_EVERY, 1)
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return 1


def set_statistics_every(every: int) -> None:
    app_settings().setValue(STATISTICS_EVERY, int(every))
