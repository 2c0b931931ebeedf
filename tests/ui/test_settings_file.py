"""The settings file is checked before Qt reads it: a FIFO, a device or an oversized file is
left alone and said once, and the window's settings still work for the session."""

from __future__ import annotations

import os
import signal

import pytest

from ui.window import settings


@pytest.fixture
def alarm():
    """Fail instead of hanging forever if reading the settings blocks."""
    def on_alarm(signum, frame):
        raise TimeoutError("reading the settings blocked")
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_a_fifo_as_settings_file_does_not_block_and_is_reported(alarm, capfd):
    path = settings.settings_path()
    os.mkfifo(path)
    assert settings.recent_files() == []
    settings.add_recent_file(__file__)
    err = capfd.readouterr().err
    assert "settings not used" in err and "named pipe (FIFO)" in err
    assert err.count("settings not used") == 1
    assert settings.recent_files() == [os.path.realpath(__file__)]


def test_an_oversized_settings_file_is_not_read(alarm, capfd):
    path = settings.settings_path()
    path.write_text("[files]\nlast=/x\n" + "; padding\n" * (settings.MAX_SETTINGS_BYTES // 10))
    assert settings.last_file() is None
    assert "size limit" in capfd.readouterr().err


def test_a_normal_settings_file_is_read(alarm):
    settings.add_recent_file(__file__)
    assert settings.recent_files() == [os.path.realpath(__file__)]
