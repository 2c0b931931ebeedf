"""Cyclic garbage is collected on the GUI thread only (ui/live/collector.py): a collection in a
computing thread frees Qt objects held in cycles from that thread while the GUI uses Qt."""

from __future__ import annotations

import gc
import threading

from playground import Trainer


def test_while_training_plays_every_collection_starts_on_the_gui_thread(qtbot, worker_factory,
                                                                       small_dict):
    gui = threading.get_ident()
    started: list[int] = []

    def record(phase, info):
        if phase == "start":
            started.append(threading.get_ident())

    gc.callbacks.append(record)
    try:
        worker = worker_factory(Trainer(small_dict))

        def make_cycles(trainer):               # on the training thread: garbage in cycles
            for _ in range(5000):
                holder = {}
                holder["me"] = holder
            return gc.get_count()[0]
        uncollected = worker.submit(make_cycles).result(10)
        qtbot.waitUntil(lambda: bool(started), timeout=5000)   # the cycles are collected
        worker.play()                                           # and training allocates
        epoch = worker.submit(lambda trainer: trainer.epoch).result(10)
        qtbot.waitUntil(lambda: worker.submit(lambda trainer: trainer.epoch).result(10)
                        >= epoch + 20, timeout=10000)
        worker.pause()
    finally:
        gc.callbacks.remove(record)
    assert set(started) == {gui}, "a collection started off the GUI thread"
    assert uncollected > 1000               # the training thread left its cycles to the GUI

def test_shutdown_frees_every_cycle_at_once_and_hands_collection_back(qtbot, worker_factory,
                                                                      small_dict):
    # when the app ends, cycles holding Qt objects must go while the QApplication exists
    from PySide6.QtCore import QObject
    from ui.live import collector
    worker_factory(Trainer(small_dict))
    assert not gc.isenabled()               # the GUI-thread collector runs
    destroyed = []
    holder = QObject()
    holder.me = holder                      # a cycle: only a collection frees it
    holder.destroyed.connect(lambda: destroyed.append(True))
    del holder
    collector.shutdown()
    assert destroyed == [True]
    assert gc.isenabled()
