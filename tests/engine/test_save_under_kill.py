"""Saving survives being killed: SIGKILL at seeded random moments during saves leaves the
target as the old or a new complete file, never a torn one, and the next save removes the
temporary files the killed saves left behind."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from conftest import small_experiment
from playground import Trainer
from playground.files import atomic

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")

KILLS = 20
PAYLOAD = 4 * 2**20

# The child saves two different payloads over the target, alternately, for ever; it writes in
# small chunks so that a kill can land anywhere in a save.
CHILD = textwrap.dedent("""
    import sys
    from playground.files.atomic import atomic_write_with
    target, size = sys.argv[1], int(sys.argv[2])
    payloads = [bytes([65 + k]) * size for k in range(2)]
    print("ready", flush=True)
    k = 0
    while True:
        data = payloads[k % 2]
        def write(handle):
            for i in range(0, len(data), 65536):
                handle.write(data[i:i + 65536])
                handle.flush()
        atomic_write_with(target, write)
        k += 1
""")

RUN_CHILD = textwrap.dedent("""
    import sys
    from playground import Trainer
    trainer = Trainer.load(sys.argv[1])
    print("ready", flush=True)
    while True:
        trainer.save(sys.argv[1])
""")


def kill_during(code: str, args: list[str], delay: float) -> None:
    child = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(delay)                   # when to kill, not a timed assertion
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)


def leftovers(target) -> list[str]:
    return [n for n in os.listdir(target.parent) if n.startswith(f".{target.name}.")]


def test_a_killed_save_leaves_the_old_or_a_new_complete_file(tmp_path, monkeypatch):
    target = tmp_path / "data.bin"
    old = b"old" * 1000
    target.write_bytes(old)
    complete = {hashlib.sha256(data).hexdigest() for data in
                (old, b"A" * PAYLOAD, b"B" * PAYLOAD)}
    rng = np.random.default_rng(19)
    orphans_seen = 0
    for _ in range(KILLS):
        kill_during(CHILD, [str(target), str(PAYLOAD)], float(rng.uniform(0.0, 0.4)))
        assert hashlib.sha256(target.read_bytes()).hexdigest() in complete
        orphans_seen += bool(leftovers(target))
    assert orphans_seen > 0, "no kill landed during a save: the test proved nothing"
    monkeypatch.setattr(atomic, "ORPHAN_AGE", 0.0)
    atomic.atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new" and leftovers(target) == []


def test_a_killed_run_save_leaves_a_run_that_loads(tmp_path, monkeypatch):
    d = small_experiment()
    d["network"]["layers"][0]["units"] = d["network"]["layers"][1]["units"] = 200
    trainer = Trainer(d)
    trainer.train_epoch()
    run = tmp_path / "run.bpp"
    trainer.save(run)
    rng = np.random.default_rng(8)
    for _ in range(5):
        kill_during(RUN_CHILD, [str(run)], float(rng.uniform(0.0, 0.3)))
        assert Trainer.load(run).epoch == 1
    monkeypatch.setattr(atomic, "ORPHAN_AGE", 0.0)
    trainer.save(run)
    assert leftovers(run) == []


def test_a_temporary_file_still_being_written_is_never_removed(tmp_path, monkeypatch):
    target = tmp_path / "t.json"
    monkeypatch.setattr(atomic, "ORPHAN_AGE", 0.0)
    with atomic.atomic_open(target, "wb") as handle:
        handle.write(b"partial")
        assert atomic.remove_orphans(target) == []        # our own live save: kept
        assert len(leftovers(target)) == 1
    assert target.read_bytes() == b"partial" and leftovers(target) == []


def test_only_this_targets_temporary_files_are_removed(tmp_path, monkeypatch):
    target = tmp_path / "t.json"
    mine = tmp_path / ".t.json.abcd1234.tmp"
    other = tmp_path / ".u.json.abcd1234.tmp"
    user = tmp_path / ".t.json.notes.tmp"
    for path in (mine, other, user):
        path.write_bytes(b"x")
    monkeypatch.setattr(atomic, "ORPHAN_AGE", 0.0)
    atomic.atomic_write_text(target, "{}")
    assert not mine.exists() and other.exists() and user.exists()
