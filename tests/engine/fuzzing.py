"""A seeded mutator over the files the command line reads, and a runner that holds every run to
the rule: exit 0 or 2 (1 for a failed gradient check or a diverged run), never a traceback, never past a time
limit. ``tests/engine/test_fuzz.py`` runs a short pass in CI; run this module for a long one:

    python tests/engine/fuzzing.py --cases 3000 --seed 1

which prints a table per input family (cases, clear errors, tracebacks, hangs).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import signal
import sys
import traceback
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "assets" / "examples").glob("*.json"))
LESSONS = sorted((ROOT / "assets" / "lessons").glob("*.json"))
TIME_LIMIT = 20            # seconds per run; more is a hang

HOSTILE_VALUES = [None, True, False, 0, -1, 1, 2, 3, 1e-300, 1e308, -1e308, 10**30,
                  "7" * 5000, 0.5, -0.5, float("nan"), "", "x" * 300, "../" * 50, [], {},
                  [[[[[[]]]]]], {"a": {"b": {}}}, "relu", "softmax", "adam", "zeros",
                  "classification", "regression", "csv", "npz", "float64", 2**63, 1.5,
                  [1, 2], ["x1", "x9"], "nope.csv", 64, 16]
JSON_TOKENS = [b"[", b"]", b"{", b"}", b",", b":", b'"', b"\\", b"NaN", b"Infinity",
               b"-Infinity", b"1e999", b"9" * 4400, b"[" * 5000, b"\x00", b"\xff\xfe",
               b"\xef\xbb\xbf", b"null", b"true", b" " * 1000, b"\n", b"-0", b"1e-400"]
CSV_TOKENS = ["", "nan", "inf", "-inf", "1e200", "1e-320", "abc", '"', '""', "1,5", "\t",
              ";", "\x00", "9" * 400, "\ufeff", "é", "-0", "0x10", "1_000", " 3 ", "NaN",
              '"' + "7" * 140_000 + '"']


@dataclass
class Tally:
    cases: int = 0
    ok: int = 0
    clear_errors: int = 0
    tracebacks: int = 0
    hangs: int = 0
    failures: list = field(default_factory=list)


# ------------------------------------------------------------------------------- mutators
def mutate_bytes(data: bytes, rng: np.random.Generator, tokens=JSON_TOKENS) -> bytes:
    """A few byte-level edits: flips, token insertions, cuts, duplicated slices."""
    buf = bytearray(data)
    for _ in range(int(rng.integers(1, 4))):
        kind = int(rng.integers(0, 5))
        at = int(rng.integers(0, len(buf) + 1))
        if kind == 0 and buf:
            buf[min(at, len(buf) - 1)] = int(rng.integers(0, 256))
        elif kind == 1:
            buf[at:at] = tokens[int(rng.integers(0, len(tokens)))]
        elif kind == 2:
            del buf[at:at + int(rng.integers(1, 64))]
        elif kind == 3:
            del buf[at:]
        else:
            end = min(len(buf), at + int(rng.integers(1, 200)))
            buf[at:at] = buf[at:end] * int(rng.integers(1, 4))
    return bytes(buf)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, prefix + (i,))


def mutate_tree(tree, rng: np.random.Generator):
    """Replace, delete or add a value at a random key path of a JSON document."""
    tree = copy.deepcopy(tree)
    for _ in range(int(rng.integers(1, 3))):
        paths = [p for p in _paths(tree) if p]
        if not paths:
            return HOSTILE_VALUES[int(rng.integers(0, len(HOSTILE_VALUES)))]
        path = paths[int(rng.integers(0, len(paths)))]
        parent = tree
        for part in path[:-1]:
            parent = parent[part]
        kind = int(rng.integers(0, 4))
        value = copy.deepcopy(HOSTILE_VALUES[int(rng.integers(0, len(HOSTILE_VALUES)))])
        if kind == 0 and isinstance(parent, dict):
            del parent[path[-1]]
        elif kind == 1 and isinstance(parent, dict):
            parent["unknown_" + str(int(rng.integers(0, 9)))] = value
        elif kind == 2 and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        else:
            parent[path[-1]] = value
    return tree


def mutate_json(data: bytes, rng: np.random.Generator) -> bytes:
    if rng.random() < 0.7:
        return json.dumps(mutate_tree(json.loads(data), rng)).encode()
    return mutate_bytes(data, rng)


def mutate_csv(text: str, rng: np.random.Generator) -> bytes:
    lines = text.splitlines()
    for _ in range(int(rng.integers(1, 4))):
        i = int(rng.integers(0, len(lines)))
        cells = lines[i].split(",")
        kind = int(rng.integers(0, 4))
        if kind == 0:
            cells[int(rng.integers(0, len(cells)))] = CSV_TOKENS[int(rng.integers(
                0, len(CSV_TOKENS)))]
        elif kind == 1:
            cells.append(CSV_TOKENS[int(rng.integers(0, len(CSV_TOKENS)))])
        elif kind == 2 and len(cells) > 1:
            cells.pop(int(rng.integers(0, len(cells))))
        else:
            lines.insert(i, lines[i])
        lines[i] = ",".join(cells)
    data = ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")
    return mutate_bytes(data, rng, [t.encode() for t in CSV_TOKENS[:-1]]) \
        if rng.random() < 0.3 else data


def npz_bytes(arrays: dict, allow_pickle: bool = False) -> bytes:
    buf = io.BytesIO()
    if allow_pickle:
        with zipfile.ZipFile(buf, "w") as zf:
            for key, value in arrays.items():
                member = io.BytesIO()
                np.save(member, value, allow_pickle=True)
                zf.writestr(key + ".npy", member.getvalue())
    else:
        np.savez(buf, **arrays)
    return buf.getvalue()


def mutate_arrays(arrays: dict, rng: np.random.Generator) -> bytes:
    """Hostile arrays: wrong shapes, dtypes, NaN, byte strings, objects, dropped keys."""
    arrays = {k: np.array(v) for k, v in arrays.items()}
    keys = sorted(arrays)
    key = keys[int(rng.integers(0, len(keys)))]
    value = arrays[key]
    kind = int(rng.integers(0, 10))
    pickled = False
    if kind == 0:
        del arrays[key]
    elif kind == 1:
        arrays[key] = value.reshape(-1)
    elif kind == 2 and value.dtype.kind == "f" and value.size:
        value = value.copy()
        with np.errstate(over="ignore"):
            value.flat[int(rng.integers(0, value.size))] = [np.nan, np.inf, 1e308][int(
                rng.integers(0, 3))]
        arrays[key] = value
    elif kind == 3:
        arrays[key] = value.astype(np.float16 if value.dtype.kind in "fiu" else "S8")
    elif kind == 4:
        arrays[key] = np.array([b"\xff\xfe", b"ok"] * max(1, len(value) // 2 if value.ndim
                                                             else 1), dtype="S2")
    elif kind == 5:
        arrays[key] = np.array([object()] * 3 if rng.random() < 0.5 else ["a", 1, None],
                               dtype=object)
        pickled = True
    elif kind == 6:
        arrays[key] = value[: max(0, len(value) // 2)] if value.ndim else value
    elif kind == 7:
        arrays[key] = np.zeros((0,) + value.shape[1:], dtype=value.dtype)
    elif kind == 8:
        arrays["extra"] = np.arange(3)
    else:
        arrays[key] = np.asarray(value).astype(np.complex64) if value.dtype.kind in "fiu" \
            else value
    data = npz_bytes(arrays, allow_pickle=pickled)
    return mutate_bytes(data, rng, [b"PK\x03\x04", b"\x93NUMPY", b"\x80\x04"]) \
        if rng.random() < 0.2 else data


def read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write_zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def mutate_run(data: bytes, rng: np.random.Generator) -> bytes:
    """One member of a saved run mutated by its kind, or the archive itself."""
    if rng.random() < 0.15:
        return mutate_bytes(data, rng, [b"PK\x01\x02", b"PK\x05\x06", b"\x00" * 8])
    members = read_zip(data)
    name = sorted(members)[int(rng.integers(0, len(members)))]
    if rng.random() < 0.1:
        del members[name]
    elif name.endswith(".json"):
        members[name] = mutate_json(members[name], rng)
    elif name.endswith(".csv"):
        members[name] = mutate_csv(members[name].decode(), rng)
    else:
        with np.load(io.BytesIO(members[name]), allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
        members[name] = mutate_arrays(arrays, rng) if arrays else mutate_bytes(
            members[name], rng)
    return write_zip(members)


# --------------------------------------------------------------------------------- runner
class Hang(Exception):
    pass


def _on_alarm(signum, frame):
    raise Hang()


def run_cli(argv: list[str], tally: Tally, label: str, time_limit: int = TIME_LIMIT) -> None:
    """Run the command line in-process; count the outcome; record anything that breaks the
    rule (a traceback, an exit status other than 0/2, a run past ``time_limit``)."""
    from playground.cli import main

    allowed = {0, 2} if argv[0] == "trace" else {0, 1, 2}
    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(time_limit)
    tally.cases += 1
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                np.errstate(all="ignore"):
            code = main(argv)
    except Hang:
        tally.hangs += 1
        tally.failures.append((label, argv, "hang"))
        return
    except SystemExit as exc:
        code = exc.code
    except BaseException:                               # noqa: BLE001 - the finding
        tally.tracebacks += 1
        tally.failures.append((label, argv, traceback.format_exc(limit=-3)))
        return
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    text = err.getvalue()
    if code not in allowed or "Traceback" in text:
        tally.tracebacks += 1
        tally.failures.append((label, argv, f"exit {code}: {text[-600:]}"))
    elif code == 2:
        lines = [line for line in text.splitlines() if "error:" in line]
        if len(lines) == 1:
            tally.clear_errors += 1
        else:
            tally.tracebacks += 1
            tally.failures.append((label, argv, f"unclear error: {text[-600:]}"))
    else:
        tally.ok += 1


COMMANDS = (["train", "--epochs", "1", "--quiet"], ["gradcheck", "--samples", "2"],
            ["trace"])


def _command(rng: np.random.Generator, file: Path) -> list[str]:
    cmd = list(COMMANDS[int(rng.integers(0, len(COMMANDS)))])
    return [cmd[0], str(file), *cmd[1:]]


def base_csv(rng: np.random.Generator) -> str:
    X = rng.normal(size=(40, 3))
    rows = [",".join(f"{v:.4f}" for v in row) + f",{'ab'[int(row[0] > 0)]}"
            for row in X.tolist()]
    return "a,b,c,label\n" + "\n".join(rows) + "\n"


def base_npz(rng: np.random.Generator) -> dict:
    X = rng.normal(size=(40, 2))
    return {"X": X, "y": (X[:, 0] > 0).astype(np.int64),
            "feature_names": np.array(["u", "v"])}


def data_experiment(source: str, path: Path) -> dict:
    return {"seed": 0, "data": {"source": source, "path": str(path)},
            "network": {"layers": [{"units": 4, "activation": "tanh"},
                                   {"units": 2, "activation": "softmax"}],
                        "loss": "cross_entropy"},
            "training": {"optimizer": {"name": "adam", "learning_rate": 0.01},
                         "batch_size": 8, "epochs": 2}}


def saved_run_bytes(folder: Path) -> bytes:
    from playground import Trainer

    trainer = Trainer(json.loads(EXAMPLES[0].read_text()))
    trainer.train_epoch()
    path = folder / "base.bpp"
    trainer.save(path)
    return path.read_bytes()


def fuzz(folder: Path, seed: int, cases: dict[str, int]) -> dict[str, Tally]:
    """Run ``cases[family]`` mutated inputs of each family; the tallies by family."""
    rng = np.random.default_rng(seed)
    tallies = {family: Tally() for family in cases}
    run = saved_run_bytes(folder) if cases.get("saved run") else b""
    for i in range(cases.get("experiment", 0)):
        example = EXAMPLES[i % len(EXAMPLES)]
        file = folder / f"exp{i}.json"
        file.write_bytes(mutate_json(example.read_bytes(), rng))
        run_cli(_command(rng, file), tallies["experiment"], example.name)
    if cases.get("lesson") and not (folder / "examples").exists():
        (folder / "examples").symlink_to(ROOT / "assets" / "examples")   # ../examples/…
        (folder / "lessons").mkdir()
    for i in range(cases.get("lesson", 0)):           # every step played, checkpoints judged
        lesson = LESSONS[i % len(LESSONS)]
        file = folder / "lessons" / f"lesson{i}.json"
        file.write_bytes(mutate_json(lesson.read_bytes(), rng))
        run_cli(["lesson", str(file), "--check"], tallies["lesson"], lesson.name)
    for i in range(cases.get("saved run", 0)):
        file = folder / f"run{i}.bpp"
        file.write_bytes(mutate_run(run, rng))
        run_cli(_command(rng, file), tallies["saved run"], file.name)
    for family, source in (("csv", "csv"), ("npz", "npz")):
        for i in range(cases.get(family, 0)):
            data = folder / f"data{i}.{source}"
            if source == "csv":
                data.write_bytes(mutate_csv(base_csv(rng), rng))
            else:
                data.write_bytes(mutate_arrays(base_npz(rng), rng))
            file = folder / f"{source}{i}.json"
            file.write_text(json.dumps(data_experiment(source, data)))
            run_cli(_command(rng, file), tallies[family], data.name)
    return tallies


def table(tallies: dict[str, Tally]) -> str:
    rows = ["| family | cases | ran fine | clear errors | tracebacks | hangs |",
            "|---|---|---|---|---|---|"]
    for family, t in tallies.items():
        rows.append(f"| {family} | {t.cases} | {t.ok} | {t.clear_errors} | {t.tracebacks} | "
                    f"{t.hangs} |")
    return "\n".join(rows)


if __name__ == "__main__":
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1000, help="cases per family")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        found = fuzz(Path(tmp), args.seed, dict.fromkeys(
            ("experiment", "lesson", "saved run", "csv", "npz"), args.cases))
    print(table(found))
    for family, t in found.items():
        for label, argv, what in t.failures[:20]:
            print(f"\n## {family}: {label}: {' '.join(argv[:1])}\n{what}")
