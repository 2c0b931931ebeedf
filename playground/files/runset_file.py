"""A whole comparison in one ``.bpp`` file: every run of a run set, and which one is current.

The format extends a saved run (:mod:`playground.files.runfile`) without changing it: the
current run's members stay at the top of the archive, so any reader of single runs opens the
file as that run, and the other runs are stored the same way under ``runs/<i>/``. ``runs.json``
lists the runs in order::

    {"format": "backprop-playground-runs/1", "current": 0,
     "runs": [{"members": "", "settings": {"training.optimizer.learning_rate": 0.1},
               "origin": null, "visible": true, "pinned": false}, …]}

A file without ``runs.json`` (every older saved run) opens as a run set of one run. The
timelines' checkpoints are not saved: a reopened run's timeline starts at its saved epoch.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Callable

from playground.errors import Cancelled, RunFileError
from .atomic import atomic_write_with
from .limits import loads_json
from .runfile import _text, open_archive, read_members, run_members

MANIFEST = "runs.json"
RUNS_FORMAT = "backprop-playground-runs/1"


def _prefixes(runset) -> list[str]:
    """The current run at the top, the others under runs/<i>/ (i counts from 1)."""
    prefixes, n = [], 0
    for i in range(len(runset)):
        if i == runset.current:
            prefixes.append("")
        else:
            n += 1
            prefixes.append(f"runs/{n}/")
    return prefixes


def save_runset(runset, path: str | os.PathLike) -> None:
    write_archive(path, runset_members(runset, path))


def runset_members(runset, path: str | os.PathLike) -> dict[str, bytes | str]:
    """Every member of the file ``path`` that saves ``runset``, serialized: a copy taken on the
    thread that owns the trainers, written later by :func:`write_archive` on any thread. A
    run set of one run gives exactly a saved run's members (no manifest)."""
    path = Path(path)
    if not len(runset):
        raise RunFileError(f"{path}: a comparison with no runs cannot be saved")
    base_dir = path.parent.resolve()
    if len(runset) == 1:
        return run_members(runset[runset.current].trainer, base_dir)
    prefixes = _prefixes(runset)
    manifest = {"format": RUNS_FORMAT, "current": runset.current,
                "runs": [{"members": prefix, "settings": run.settings, "origin": run.origin,
                          "visible": run.visible, "pinned": run.pinned}
                         for prefix, run in zip(prefixes, runset)]}
    members: dict[str, bytes | str] = {}
    for prefix, run in zip(prefixes, runset):
        members.update(run_members(run.trainer, base_dir, prefix))
    members[MANIFEST] = json.dumps(manifest, indent=1)
    return members


def write_archive(path: str | os.PathLike, members: dict[str, bytes | str],
                  progress: Callable[[int, int], None] | None = None,
                  cancelled: Callable[[], bool] | None = None) -> None:
    """Compress ``members`` into the zip ``path``, atomically: the old file stays whole until
    the new one is complete. ``progress(done, total)`` counts uncompressed bytes; when
    ``cancelled()`` turns true between members, :class:`~playground.errors.Cancelled` is
    raised and nothing is replaced."""
    total = sum(len(data) for data in members.values()) or 1
    done = 0

    def write(handle) -> None:
        nonlocal done
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in members.items():
                if cancelled is not None and cancelled():
                    raise Cancelled(f"saving {Path(path).name} was cancelled; the previous "
                                    "file, if any, is unchanged")
                zf.writestr(name, data)
                done += len(data)
                if progress is not None:
                    progress(done, total)

    atomic_write_with(path, write)


def load_runset(path: str | os.PathLike):
    """The run set saved in ``path`` (one run for a file saved from a single run)."""
    from playground.training.runset import Run, RunSet

    path = Path(path)
    with open_archive(path) as zf:
        if MANIFEST not in zf.namelist():
            return RunSet([Run(read_members(zf, path))])
        entries, current = _manifest(zf, path)
        runs = [Run(read_members(zf, path, entry["members"]), entry["settings"],
                    entry["origin"], entry["visible"], pinned=entry["pinned"])
                for entry in entries]
    runset = RunSet(runs)
    runset.current = current
    return runset


def _manifest(zf: zipfile.ZipFile, path: Path) -> tuple[list[dict], int]:
    where = f"{path}: {MANIFEST}"
    manifest = loads_json(_text(zf, MANIFEST, path), where,
                          error=RunFileError)
    if not isinstance(manifest, dict) or manifest.get("format") != RUNS_FORMAT:
        got = manifest.get("format") if isinstance(manifest, dict) else manifest
        raise RunFileError(f"{where}: unknown format {got!r} (expected {RUNS_FORMAT!r})")
    entries = manifest.get("runs")
    if not isinstance(entries, list) or not entries:
        raise RunFileError(f"{where}: 'runs' must be a non-empty list")
    members = set()
    for i, entry in enumerate(entries):
        _check_entry(entry, f"{where}: runs[{i}]")
        if entry["members"] in members:
            raise RunFileError(f"{where}: runs[{i}] names the members of another run "
                               f"({entry['members'] or 'the top level'!r})")
        members.add(entry["members"])
    current = manifest.get("current")
    if isinstance(current, bool) or not isinstance(current, int) \
            or not 0 <= current < len(entries):
        raise RunFileError(f"{where}: 'current' must be a run number from 0 to "
                           f"{len(entries) - 1}, got {current!r}")
    return entries, current


def _check_entry(entry, where: str) -> None:
    if not isinstance(entry, dict):
        raise RunFileError(f"{where} must be an object")
    prefix = entry.get("members")
    if not isinstance(prefix, str) or (prefix and not (prefix.startswith("runs/")
                                                       and prefix.endswith("/"))):
        raise RunFileError(f"{where}.members must be \"\" or \"runs/<i>/\", got {prefix!r}")
    entry.setdefault("settings", {})
    entry.setdefault("origin", None)
    entry.setdefault("visible", True)
    entry.setdefault("pinned", False)
    if not isinstance(entry["settings"], dict):
        raise RunFileError(f"{where}.settings must be an object")
    if entry["origin"] is not None and not isinstance(entry["origin"], str):
        raise RunFileError(f"{where}.origin must be text or null")
    for flag in ("visible", "pinned"):
        if not isinstance(entry[flag], bool):
            raise RunFileError(f"{where}.{flag} must be true or false")
