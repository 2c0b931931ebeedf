"""The engine is Qt-free: an import-linter contract and a clean-interpreter check."""

import subprocess
import sys

import pytest

from conftest import ROOT


def engine_modules() -> list[str]:
    """Every module of the engine, subpackages included (playground.nn.network, …)."""
    names = []
    for path in sorted((ROOT / "playground").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_import_linter_contract_holds():
    pytest.importorskip("importlinter")
    result = subprocess.run([sys.executable, "-c",
                             "import sys; from importlinter.cli import lint_imports_command;"
                             "sys.exit(lint_imports_command())"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KEPT" in result.stdout and "BROKEN" not in result.stdout


def test_importing_every_engine_module_loads_no_qt():
    modules = engine_modules()
    assert "playground.nn.network" in modules and "playground.training.trainer" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'pyqtgraph', 'ui')]\n"
        "assert not bad, bad\n"
        "print('clean', len(sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("clean")


def test_engine_source_never_mentions_qt_or_pickle():
    paths = list((ROOT / "playground").rglob("*.py"))
    assert len(paths) > 30
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for word in ("PySide6", "pyqtgraph", "import pickle", "allow_pickle=True"):
            assert word not in text, f"{path.name} mentions {word}"
