"""Fuzzing the command line: seeded mutations of the shipped examples and lessons, a saved run,
CSV and NPZ files, run through ``train``, ``gradcheck``, ``trace`` and ``lesson --check``,
always end in exit 0 or 2 with one ``error:`` line (1 for a failed check) — never a traceback,
never past the time limit (see fuzzing.py)."""

from __future__ import annotations

import numpy as np
import pytest

from fuzzing import EXAMPLES, fuzz, mutate_json, mutate_run, saved_run_bytes, table

CASES = {"experiment": 160, "lesson": 60, "saved run": 100, "csv": 100, "npz": 100}


@pytest.mark.slow
def test_mutated_inputs_never_give_a_traceback_or_a_hang(tmp_path):
    tallies = fuzz(tmp_path, seed=19, cases=CASES)
    print(table(tallies))
    failures = [failure for t in tallies.values() for failure in t.failures]
    assert not failures, failures[:3]
    for family, tally in tallies.items():
        assert tally.cases == CASES[family]
        assert tally.clear_errors > 0, f"{family}: no mutation was caught — a blind fuzzer"
        assert tally.ok > 0, f"{family}: nothing ran — the base file itself is broken"


def test_the_mutator_is_seeded(tmp_path):
    base = EXAMPLES[0].read_bytes()
    one = [mutate_json(base, np.random.default_rng(3)) for _ in range(2)]
    assert one[0] == one[1]
    assert mutate_json(base, np.random.default_rng(4)) != one[0]
    run = saved_run_bytes(tmp_path)
    assert mutate_run(run, np.random.default_rng(5)) != run
