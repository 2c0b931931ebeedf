"""Importing CSV and NPZ files: what is accepted, how it is interpreted, and that every kind
of bad file is rejected with a message naming the file, the line and the column."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from playground.data import load_dataset, preview_file
from playground.errors import DataError

IRIS_LIKE = """sepal,petal,species
5.1,1.4,setosa
7.0,4.7,versicolor
6.3,6.0,virginica
4.9,1.4,setosa
6.4,4.5,versicolor
5.8,5.1,virginica
"""


def write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def load_csv(path, seed=0, base_dir=None, **config):
    config = {"source": "csv", "path": str(path), "validation_split": 0.0, **config}
    return load_dataset(config, np.random.default_rng(seed), base_dir=base_dir)


def csv_error(tmp_path, name, content, **config) -> DataError:
    path = write(tmp_path, name, content)
    with pytest.raises(DataError) as info:
        load_csv(path, **config)
    with pytest.raises(DataError) as preview_info:    # the preview fails the same way
        preview_file(path, target=config.get("target"), task=config.get("task"))
    assert str(preview_info.value) == str(info.value)
    assert name in str(info.value)
    return info.value


# ----------------------------------------------------------------------------- good files
def test_csv_with_header_and_string_labels(tmp_path):
    ds = load_csv(write(tmp_path, "iris.csv", IRIS_LIKE), standardize=False)
    assert ds.task == "classification" and ds.feature_names == ("sepal", "petal")
    assert ds.class_names == ("setosa", "versicolor", "virginica")
    assert ds.target_names == ("species",)
    np.testing.assert_array_equal(ds.y_train, [0, 1, 2, 0, 1, 2])
    np.testing.assert_array_equal(ds.X_train[:2], [[5.1, 1.4], [7.0, 4.7]])
    assert ds.X_train.dtype == np.float64 and ds.y_train.dtype == np.int64
    assert not ds.is_2d and ds.transform is None
    assert ds.description.startswith("iris.csv: 3 classes, 2 inputs, 6 train samples")


def test_csv_without_header_names_columns(tmp_path):
    ds = load_csv(write(tmp_path, "plain.csv", "1,2,0\n3,4,1\n5,6,0\n"), standardize=False)
    assert ds.feature_names == ("col1", "col2") and ds.target_names == ("col3",)
    assert ds.n_train == 3 and ds.class_names == ("0", "1")
    np.testing.assert_array_equal(ds.X_train, [[1, 2], [3, 4], [5, 6]])
    labelled = load_csv(write(tmp_path, "lab.csv", "1,2,cat\n3,4,dog\n"), standardize=False)
    assert labelled.n_train == 2 and labelled.class_names == ("cat", "dog")   # no header
    named = load_csv(write(tmp_path, "num.csv", "x,2019,y\n1,2,0\n3,4,1\n"))
    assert named.feature_names == ("x", "2019") and named.n_train == 2      # header


def test_numeric_labels_are_sorted_numerically(tmp_path):
    ds = load_csv(write(tmp_path, "n.csv", "x,y\n1,10\n2,9\n3,10\n4,2\n"))
    assert ds.class_names == ("2", "9", "10")
    np.testing.assert_array_equal(ds.y_train, [2, 1, 2, 0])


def test_semicolon_delimiter_with_decimal_comma(tmp_path):
    ds = load_csv(write(tmp_path, "de.csv", "a;b;ziel\n1,5;2;x\n-0,25;3,5;y\n"),
                  standardize=False)
    np.testing.assert_array_equal(ds.X_train, [[1.5, 2.0], [-0.25, 3.5]])
    assert ds.class_names == ("x", "y") and ds.feature_names == ("a", "b")


def test_tab_delimiter_and_quoted_cells(tmp_path):
    ds = load_csv(write(tmp_path, "t.tsv", 'a\tb\tlabel\n1\t2\t"big, red"\n3\t4\tsmall\n'))
    assert ds.class_names == ("big, red", "small")
    ds = load_csv(write(tmp_path, "q.csv", 'a,b,label\n1,2,"big; red"\n3,4,small\n'))
    assert ds.class_names == ("big; red", "small") and ds.n_inputs == 2


def test_bom_crlf_spaces_and_blank_lines(tmp_path):
    text = "\ufeffx1, x2 ,y\r\n 1 ,2,0.5\r\n\r\n3,4,1.5\r\n5,6,2.25\r\n\r\n\r\n"
    ds = load_csv(write(tmp_path, "bom.csv", text), standardize=False)
    assert ds.feature_names == ("x1", "x2") and ds.target_names == ("y",)
    assert ds.task == "regression"
    np.testing.assert_array_equal(ds.y_train, [[0.5], [1.5], [2.25]])


def test_target_by_name_index_and_negative_index(tmp_path):
    path = write(tmp_path, "t.csv", "label,a,b\ncat,1,0.5\ndog,2,1.5\ncat,3,2.5\n")
    by_name = load_csv(path, target="label", standardize=False)
    by_index = load_csv(path, target=0, standardize=False)
    by_negative = load_csv(path, target=-3, standardize=False)
    for ds in (by_name, by_index, by_negative):
        assert ds.feature_names == ("a", "b") and ds.class_names == ("cat", "dog")
        np.testing.assert_array_equal(ds.X_train[:, 0], [1, 2, 3])
    with pytest.raises(DataError) as info:            # default target: the last column,
        load_csv(path)                                # so the text column is a feature
    assert (info.value.line, info.value.column) == (2, "1 ('label')")
    assert "'cat' is not a number" in str(info.value)


def test_task_inference(tmp_path):
    few_ints = "\n".join(f"{i},{i % 3}" for i in range(30))
    assert load_csv(write(tmp_path, "c.csv", few_ints)).task == "classification"
    many_ints = "\n".join(f"{i},{i}" for i in range(30))
    assert load_csv(write(tmp_path, "r.csv", many_ints)).task == "regression"
    floats = "\n".join(f"{i},{i % 3 + 0.5}" for i in range(30))
    assert load_csv(write(tmp_path, "f.csv", floats)).task == "regression"
    forced = load_csv(tmp_path / "c.csv", task="regression")
    assert forced.task == "regression" and forced.y_train.shape == (30, 1)
    forced = load_csv(tmp_path / "f.csv", task="classification")
    assert forced.class_names == ("0.5", "1.5", "2.5")


def test_csv_is_standardized_by_default(tmp_path):
    rows = "\n".join(f"{i},{1000 + 10 * i},7,{i % 2}" for i in range(20))
    ds = load_csv(write(tmp_path, "s.csv", rows), validation_split=0.25)
    np.testing.assert_allclose(ds.X_train[:, :2].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(ds.X_train[:, :2].std(axis=0), 1, atol=1e-12)
    np.testing.assert_array_equal(ds.X_train[:, 2], 0)       # constant column: std 1
    assert ds.n_val == 5


def test_relative_path_resolves_against_base_dir(tmp_path, monkeypatch):
    (tmp_path / "experiments" / "data").mkdir(parents=True)
    write(tmp_path / "experiments" / "data", "d.csv", IRIS_LIKE)
    ds = load_csv("data/d.csv", base_dir=tmp_path / "experiments")
    assert ds.n_train == 6
    monkeypatch.chdir(tmp_path / "experiments")               # no base_dir: the CWD
    assert load_csv("data/d.csv").n_train == 6
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match="file not found"):
        load_csv("data/d.csv")


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=40, deadline=None)
@given(table=st.integers(1, 4).flatmap(
    lambda cols: arrays(np.float64, st.tuples(st.integers(1, 12), st.just(cols + 1)),
                        elements=finite)),
       delimiter=st.sampled_from([",", ";", "\t"]))
def test_csv_round_trips_every_finite_float(tmp_path_factory, table, delimiter):
    """Numbers written with repr() come back bit for bit, whatever the delimiter."""
    text = "\n".join(delimiter.join(repr(float(v)) for v in row) for row in table) + "\n"
    path = write(tmp_path_factory.mktemp("rt"), "rt.csv", text)
    ds = load_csv(path, task="regression", standardize=False)
    assert ds.X_train.tobytes() == table[:, :-1].tobytes()
    assert ds.y_train.tobytes() == table[:, -1:].tobytes()


# ------------------------------------------------------------------------------ bad CSVs
def test_ragged_row(tmp_path):
    err = csv_error(tmp_path, "ragged.csv", "a,b,c\n1,2,3\n4,5\n6,7,8\n")
    assert err.line == 3 and "has 2 cells, expected 3" in str(err) and "line 3" in str(err)


def test_non_numeric_feature_cell(tmp_path):
    err = csv_error(tmp_path, "bad.csv", "a,b,c\n1,2,x\n3,oops,y\n")
    assert (err.line, err.column) == (3, "2 ('b')")
    assert "line 3" in str(err) and "column 2 ('b')" in str(err) and "'oops'" in str(err)


@pytest.mark.parametrize("cell, word", [("nan", "NaN"), ("NaN", "NaN"), ("inf", "infinite"),
                                        ("-Infinity", "infinite"), ("", "empty cell")])
def test_nan_inf_and_empty_feature_cells(tmp_path, cell, word):
    err = csv_error(tmp_path, "v.csv", f"a,b,c\n1,2,0\n3,4,1\n5,{cell},0\n")
    assert (err.line, err.column) == (4, "2 ('b')") and word in str(err)


def test_empty_target_cell_and_nan_target(tmp_path):
    err = csv_error(tmp_path, "t.csv", "a,b\n1,x\n2,\n")
    assert (err.line, err.column) == (3, "2 ('b')") and "empty cell" in str(err)
    err = csv_error(tmp_path, "t2.csv", "a,b\n1,0.5\n2,nan\n")
    assert (err.line, err.column) == (3, "2 ('b')") and "NaN" in str(err)


@pytest.mark.parametrize("content", ["", "\n\n  \n", b"\xef\xbb\xbf"])
def test_empty_file(tmp_path, content):
    assert "the file is empty" in str(csv_error(tmp_path, "empty.csv", content))


@pytest.mark.parametrize("content", ['"', '"\n\n', '"\n'])
def test_a_file_of_a_lone_quote_has_no_cells(tmp_path, content):
    """Lines that are not blank but hold no cell with a value (found by the fuzzer: a lone
    quote gave an IndexError)."""
    assert "no cells with values" in str(csv_error(tmp_path, "quotes.csv", content))


def test_header_only(tmp_path):
    assert "no data rows" in str(csv_error(tmp_path, "head.csv", "a,b,label\n"))


def test_single_column(tmp_path):
    assert "only one column" in str(csv_error(tmp_path, "one.csv", "1\n2\n3\n"))


def test_missing_target_name_lists_columns(tmp_path):
    err = csv_error(tmp_path, "t.csv", IRIS_LIKE, target="label")
    assert "'label' not found" in str(err) and "'sepal', 'petal', 'species'" in str(err)


@pytest.mark.parametrize("index", [3, -4, 100])
def test_target_index_out_of_range(tmp_path, index):
    err = csv_error(tmp_path, "t.csv", IRIS_LIKE, target=index)
    assert f"index {index} is out of range" in str(err) and "0..2" in str(err)


def test_single_class_target(tmp_path):
    err = csv_error(tmp_path, "one_class.csv", "a,label\n1,cat\n2,cat\n")
    assert "only one class ('cat')" in str(err) and "column 2 ('label')" in str(err)


def test_regression_forced_on_text_target(tmp_path):
    err = csv_error(tmp_path, "t.csv", IRIS_LIKE, task="regression")
    assert (err.line, err.column) == (2, "3 ('species')") and "'setosa'" in str(err)


def test_duplicate_header_names(tmp_path):
    err = csv_error(tmp_path, "dup.csv", "a,b,a\n1,2,0\n3,4,1\n")
    assert (err.line, err.column) == (1, "3 ('a')") and "repeats" in str(err)


def test_not_utf8(tmp_path):
    err = csv_error(tmp_path, "latin1.csv", "a,b,label\n1,2,café\n".encode("latin-1"))
    assert err.line == 2 and "not UTF-8" in str(err)


def test_binary_file(tmp_path):
    err = csv_error(tmp_path, "bin.csv", b"a,b\n1,2\n\x00\x01\x02")
    assert "not a text file" in str(err) and err.line == 3


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(DataError, match="nowhere.csv: file not found"):
        load_csv(tmp_path / "nowhere.csv")
    with pytest.raises(DataError, match="file not found"):
        preview_file(tmp_path / "nowhere.csv")
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(DataError, match="folder.csv: is a folder"):
        load_csv(tmp_path / "folder.csv")


# ----------------------------------------------------------------------------------- NPZ
def save_npz(tmp_path, name="d.npz", **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def load_npz(path, **config):
    config = {"source": "npz", "path": str(path), "validation_split": 0.0, **config}
    return load_dataset(config, np.random.default_rng(0))


def npz_error(path, **config) -> DataError:
    with pytest.raises(DataError) as info:
        load_npz(path, **config)
    with pytest.raises(DataError) as preview_info:
        preview_file(path, task=config.get("task"))
    assert str(preview_info.value) == str(info.value) and path.name in str(info.value)
    return info.value


def test_npz_integer_labels_are_renumbered(tmp_path):
    X = np.arange(12, dtype=np.float32).reshape(6, 2)
    ds = load_npz(save_npz(tmp_path, X=X, y=np.array([7, 3, 7, 3, 3, 7])), standardize=False)
    assert ds.task == "classification" and ds.class_names == ("3", "7")
    np.testing.assert_array_equal(ds.y_train, [1, 0, 1, 0, 0, 1])
    assert ds.X_train.dtype == np.float64 and ds.feature_names == ("x1", "x2")


def test_npz_string_labels_and_names(tmp_path):
    path = save_npz(tmp_path, X=np.eye(4), y=np.array(["b", "a", "b", "a"]),
                    feature_names=np.array(["p", "q", "r", "s"]))
    ds = load_npz(path)
    assert ds.class_names == ("a", "b") and ds.feature_names == ("p", "q", "r", "s")


def test_npz_class_names_keep_labels(tmp_path):
    path = save_npz(tmp_path, X=np.eye(3), y=np.array([0, 2, 1]),
                    class_names=np.array(["zero", "one", "two"]))
    ds = load_npz(path)
    assert ds.class_names == ("zero", "one", "two")
    np.testing.assert_array_equal(ds.y_train, [0, 2, 1])


def test_npz_regression_single_and_multi_target(tmp_path):
    X = np.random.default_rng(0).normal(size=(5, 3))
    single = load_npz(save_npz(tmp_path, "a.npz", X=X, y=np.linspace(0, 1, 5)))
    assert single.task == "regression" and single.y_train.shape == (5, 1)
    multi = load_npz(save_npz(tmp_path, "b.npz", X=X, y=np.ones((5, 2))))
    assert multi.n_targets == 2 and multi.target_names == ("y1", "y2")
    np.testing.assert_allclose(multi.X_train.mean(axis=0), 0, atol=1e-12)   # standardized


def test_npz_bad_contents(tmp_path):
    X, y = np.ones((4, 2)), np.array([0, 1, 0, 1])
    assert "no array 'y'" in str(npz_error(save_npz(tmp_path, "a.npz", X=X, labels=y)))
    assert "no array 'X'" in str(npz_error(save_npz(tmp_path, "b.npz", y=y)))
    err = npz_error(save_npz(tmp_path, "c.npz", X=np.ones(4), y=y))
    assert "X must be 2-D" in str(err) and "reshape(-1, 1)" in str(err)
    assert "y must be 1-D" in str(npz_error(save_npz(tmp_path, "d.npz", X=X,
                                                      y=np.ones((4, 1, 1)))))
    err = npz_error(save_npz(tmp_path, "e.npz", X=X, y=y[:3]))
    assert "X has 4 samples but y has 3" in str(err)
    bad = X.copy()
    bad[2, 1] = np.nan
    err = npz_error(save_npz(tmp_path, "f.npz", X=bad, y=y))
    assert "X[2, 1] (sample 3) is nan" in str(err) and "column 2 ('x2')" in str(err)
    err = npz_error(save_npz(tmp_path, "g.npz", X=X, y=np.array([0.0, np.inf, 1, 2])))
    assert "y[1, 0]" in str(err)
    assert "only one class" in str(npz_error(save_npz(tmp_path, "h.npz", X=X, y=y * 0)))


def test_npz_object_arrays_are_refused(tmp_path):
    path = tmp_path / "obj.npz"
    np.savez(path, X=np.ones((2, 2)), y=np.array(["a", None], dtype=object))
    err = npz_error(path)
    assert "dtype=object" in str(err) and "'y'" in str(err)


def test_npz_that_is_not_an_archive(tmp_path):
    text = write(tmp_path, "text.npz", "a,b\n1,2\n")
    assert "not a readable .npz archive" in str(npz_error(text))
    npy = tmp_path / "single.npz"
    with open(npy, "wb") as handle:
        np.save(handle, np.ones(3))
    assert "single .npy array" in str(npz_error(npy))
    pickled = write(tmp_path, "pickled.npz", pickle.dumps({"X": [1]}))
    assert "pickled" in str(npz_error(pickled))


# ------------------------------------------------------------------------------- preview
def test_preview_csv(tmp_path):
    preview = preview_file(write(tmp_path, "iris.csv", IRIS_LIKE), max_rows=2)
    assert preview.columns == ("sepal", "petal", "species")
    assert preview.rows == (("5.1", "1.4", "setosa"), ("7.0", "4.7", "versicolor"))
    assert preview.n_rows == 6 and preview.n_features == 2
    assert preview.target_column == "species" and preview.task == "classification"
    assert preview.class_names == ("setosa", "versicolor", "virginica")
    assert preview.task_inferred and preview.feature_names == ("sepal", "petal")
    assert preview.message.startswith("iris.csv: 6 rows, 2 features, target 'species'")
    assert "3 classes" in preview.message and "(inferred)" in preview.message


def test_a_preview_reads_only_the_head_of_a_big_file(tmp_path):
    """A preview of a 2 MB file reads its first 64 KB: the counts are the head's, the bad
    row near the end is not reached (loading the file finds it)."""
    lines = ["x,y,label"] + [f"{i % 97 / 10:.1f},{i % 13},{'ab'[i % 2]}" for i in range(300_000)]
    lines[-5] = "1.0,oops,a"
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n")
    head = len("\n".join(lines).encode()[:65536].rsplit(b"\n", 1)[0].split(b"\n")) - 1
    preview = preview_file(path, head_bytes=65536)
    assert not preview.complete and preview.n_rows == head
    assert preview.class_names == ("a", "b") and preview.task == "classification"
    assert f"first {head:,} rows of {path.stat().st_size / 2**20:.0f} MB read" in preview.message
    assert "when it is used" in preview.message
    with pytest.raises(DataError, match="oops"):
        load_dataset({"source": "csv", "path": str(path)}, np.random.default_rng(0))
    whole = preview_file(write(tmp_path, "s.csv", IRIS_LIKE), head_bytes=65536)
    assert whole.complete and whole.n_rows == 6


def test_a_preview_of_a_file_whose_first_line_never_ends_says_so(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("1," * 40_000)
    with pytest.raises(DataError, match="first line is longer than 1,000 bytes"):
        preview_file(path, head_bytes=1000)


def test_preview_with_target_and_task(tmp_path):
    path = write(tmp_path, "p.csv", "a,b,c\n1,2,3\n4,5,6\n7,8,9\n")
    preview = preview_file(path, target="a", task="regression")
    assert preview.target_column == "a" and preview.task == "regression"
    assert preview.class_names == () and not preview.task_inferred
    assert "regression" in preview.message and preview.n_features == 2


def test_preview_npz(tmp_path):
    path = save_npz(tmp_path, X=np.array([[0.5, 1.0], [2.0, 3.0]]), y=np.array(["no", "yes"]))
    preview = preview_file(path)
    assert preview.columns == ("x1", "x2", "y") and preview.n_rows == 2
    assert preview.rows == (("0.5", "1", "no"), ("2", "3", "yes"))
    assert preview.task == "classification" and preview.class_names == ("no", "yes")


def test_preview_detects_npz_without_extension(tmp_path):
    path = save_npz(tmp_path, "data.bin.npz", X=np.eye(2), y=np.array([0.5, 1.5]))
    renamed = path.rename(tmp_path / "data.bin")
    assert preview_file(renamed).task == "regression"
