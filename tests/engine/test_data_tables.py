"""The data tables: each generated set and each file format describes itself, and the
experiment's sources, the import dialog's filter and the format detection come from them."""

from __future__ import annotations

import numpy as np
import pytest

from playground.data import (ALL_SOURCES, FILE_FORMATS, FILE_SOURCES, GENERATED_SETS, file_filter,
                             file_kind, load_dataset, preview_file)
from playground.data.formats import FileFormat, read_table


@pytest.mark.parametrize("name", sorted(GENERATED_SETS))
def test_a_generated_set_trains_as_the_task_and_classes_it_declares(name):
    entry = GENERATED_SETS[name]
    ds = load_dataset({"source": name, "samples": 60}, np.random.default_rng(0))
    assert ds.task == entry.task
    if entry.task == "classification":
        assert ds.n_classes == (entry.classes or entry.default_classes)
    assert name in ALL_SOURCES


def test_every_format_is_a_source_and_in_the_file_filter():
    assert FILE_SOURCES == tuple(FILE_FORMATS) == ("csv", "npz")
    assert file_filter() == "Data files (*.csv *.tsv *.txt *.npz);;All files (*)"


def test_a_file_is_recognised_by_suffix_then_by_its_first_bytes(tmp_path):
    np.savez(tmp_path / "table.npz", X=np.zeros((3, 2)), y=np.array([0, 1, 0]))
    disguised = tmp_path / "table.dat"
    disguised.write_bytes((tmp_path / "table.npz").read_bytes())
    (tmp_path / "t.tsv").write_text("a\tb\n1\t0\n")
    assert file_kind(tmp_path / "table.npz") == "npz"
    assert file_kind(disguised) == "npz"
    assert file_kind(tmp_path / "t.tsv") == "csv"
    assert file_kind(tmp_path / "missing.bin") == "csv"
    assert preview_file(disguised).n_rows == 3


def test_a_new_format_is_a_reader_plus_one_entry(tmp_path, monkeypatch):
    csv = FILE_FORMATS["csv"]
    semicolons = FileFormat("semi", "Semicolon text", (".semi",),
                            lambda path, **kw: csv.read(path, **kw), magic=None)
    monkeypatch.setitem(FILE_FORMATS, "semi", semicolons)
    path = tmp_path / "data.semi"
    path.write_text("x,label\n0.5,a\n1.5,b\n")
    assert file_kind(path) == "semi"
    assert "*.semi" in file_filter()
    table = read_table(file_kind(path), path, "data.semi", None, None, keep_rows=0)
    assert table.class_names == ("a", "b") and table.n_rows == 2
